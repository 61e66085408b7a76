import t from 'tap'
import type { ClearanceEvent } from '../../contract/clearance-event.ts'
import {
  EVENT_CLOCK_AHEAD_MS,
  firstEventProblem,
  LIVE_EVENT_MAX_AGE_MS,
  OUTBOX_EVENT_MAX_AGE_MS,
} from '../../server/domain/clearance-event-rules.ts'

const NOW = 1_760_000_000_000
const event = (
  occurredAt: number,
  pair: Pick<ClearanceEvent, 'decision' | 'reason'> = { decision: 'APPROVE', reason: null },
) => ({ occurredAt, ...pair }) as ClearanceEvent

t.test('the stated bounds', async (t) => {
  t.equal(EVENT_CLOCK_AHEAD_MS, 30_000, '30 s ahead of the server clock')
  t.equal(LIVE_EVENT_MAX_AGE_MS, 86_400_000, 'live events: a day old')
  t.equal(OUTBOX_EVENT_MAX_AGE_MS, 30 * 86_400_000, 'outbox entries: 30 days old')
})

t.test('occurredAt: the edges of the window are inside, one millisecond beyond is refused', async (t) => {
  for (const maxAge of [LIVE_EVENT_MAX_AGE_MS, OUTBOX_EVENT_MAX_AGE_MS]) {
    t.equal(firstEventProblem([event(NOW + EVENT_CLOCK_AHEAD_MS)], NOW, maxAge), null, 'at the skew: accepted')
    t.equal(firstEventProblem([event(NOW - maxAge)], NOW, maxAge), null, 'at the age bound: accepted')
    t.same(firstEventProblem([event(NOW), event(NOW + EVENT_CLOCK_AHEAD_MS + 1)], NOW, maxAge), {
      code: 'EVENT_TIME_OUT_OF_RANGE',
      index: 1,
    })
    t.same(firstEventProblem([event(NOW - maxAge - 1)], NOW, maxAge), { code: 'EVENT_TIME_OUT_OF_RANGE', index: 0 })
  }
})

t.test('reason: each decision with its own closed set', async (t) => {
  t.equal(firstEventProblem([event(NOW, { decision: 'REJECT', reason: 'TOKEN_REPLAYED' })], NOW, 1), null)
  t.equal(firstEventProblem([event(NOW, { decision: 'REFER_TO_OFFICER', reason: 'NO_FACE' })], NOW, 1), null)
  const wrong = event(NOW, { decision: 'APPROVE', reason: 'TOKEN_REPLAYED' } as unknown as ClearanceEvent)
  t.same(firstEventProblem([event(NOW), wrong], NOW, 1), { code: 'EVENT_REASON_INVALID', index: 1 })
  const refer = event(NOW, { decision: 'REFER_TO_OFFICER', reason: 'FACE_MISMATCH' })
  t.same(firstEventProblem([refer], NOW, 1), { code: 'EVENT_REASON_INVALID', index: 0 })
})
