import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { analyseFiles, startBatchEngine } from '../../kiosk-sim/eval/analyse-images.ts'
import type { FaceEngine } from '../../models/face-types.ts'
import { fakeFaceEngine } from '../helpers/fake-engine.ts'

t.test('outcomes keep the input order; an unreadable image is an outcome, not a failure', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'analyse-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const files = ['a', 'b', 'c', 'd'].map((n) => path.join(dir, n))
  await writeFile(files[0]!, JSON.stringify({ faces: [{ axis: 1 }] }))
  await writeFile(files[1]!, 'not an image')
  await writeFile(files[2]!, JSON.stringify({ faces: [] }))
  await writeFile(files[3]!, JSON.stringify({ faces: [{ axis: 2 }, { axis: 3 }] }))
  const done: number[] = []
  const out = await analyseFiles(fakeFaceEngine(), files, 3, (i) => done.push(i))
  t.same(
    out.map((o) => o.analysis?.faces.length ?? o.imageError),
    [1, 'IMAGE_UNSUPPORTED', 0, 2],
  )
  t.same([...done].sort(), [0, 1, 2, 3], 'one progress call per file')
})

t.test('an engine failure rejects the run; a batch engine needs a positive worker count', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'analyse-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(path.join(dir, 'a'), '{}')
  const broken: FaceEngine = {
    ...fakeFaceEngine(),
    analyze: () => Promise.reject(Object.assign(new Error('worker died'), { code: 'FACE_ENGINE_ERROR' })),
  }
  await t.rejects(analyseFiles(broken, [path.join(dir, 'a')], 1), /worker died/)
  t.throws(() => startBatchEngine(0, undefined, async () => fakeFaceEngine()), RangeError)
  const seen: unknown[] = []
  await startBatchEngine(2, 'tfjs', async (o) => (seen.push(o), fakeFaceEngine()))
  t.same(seen, [{ workers: 2, backend: 'tfjs', requestTimeoutMs: 120_000 }])
})
