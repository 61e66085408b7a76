import t from 'tap'
import { ProgressBar } from '../../lib/progress-bar.ts'

const stream = (isTTY: boolean) => {
  const chunks: string[] = []
  return { chunks, isTTY, columns: 80, write: (chunk: string) => chunks.push(chunk) }
}

t.test('on a terminal: one line redrawn in place, ended once', async (t) => {
  const out = stream(true)
  const bar = new ProgressBar(out, 10)
  bar.draw(0.5, '5/10')
  bar.draw(2, 'done')
  bar.end()
  bar.end()
  t.same(out.chunks, ['\r[#####.....] 5/10', '\r[##########] done', '\n'])
})

t.test('elsewhere it draws nothing: the caller writes its own lines', async (t) => {
  const out = stream(false)
  const bar = new ProgressBar(out)
  t.equal(bar.tty, false)
  bar.draw(0.5, 'half')
  bar.end()
  t.same(out.chunks, [])
})
