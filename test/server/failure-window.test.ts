import t from 'tap'
import { FailureWindow } from '../../lib/failure-window.ts'

t.test('a key is blocked at its budget within the window, and free again after it', async (t) => {
  const clock = { now: 0 }
  const window = new FailureWindow(3, 1000, () => clock.now)
  for (let i = 0; i < 2; i++) window.record('a')
  t.equal(window.isBlocked('a'), false, 'under the budget')
  window.record('a')
  t.equal(window.isBlocked('a'), true, 'at the budget')
  t.equal(window.isBlocked('b'), false, 'another key is not affected')
  clock.now = 1000
  t.equal(window.isBlocked('a'), false, 'a new window')
})
