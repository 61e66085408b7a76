import t from 'tap'
import { recordDecision } from '../../kiosk-sim/gate/clearance-record.ts'
import { testThresholds } from '../helpers/faces.ts'

const timings = { decodeMs: 1, verifyMs: 1, detectMs: 1, embedMs: 1, livenessMs: 1, matchMs: 1, totalMs: 6 }
const context = { score: null, kid: null, jtiHash: null }
const identity = { kioskId: 'kiosk-1', controlPoint: 'lo-wu' }

t.test("a simulation's moved clock does not reach the event: occurredAt is the event clock", async (t) => {
  const wall = 1_760_000_000_000
  const expired = { decision: 'REJECT', reason: 'TOKEN_EXPIRED' } as const
  const deps = { identity, policy: testThresholds, now: () => wall + 600_000, eventClock: () => wall }
  t.equal(recordDecision(expired, context, timings, deps).occurredAt, wall, 'stamped with the event clock')
  // Twin: without an event clock (a live kiosk, one clock) the event carries `now`.
  const live = { identity, policy: testThresholds, now: () => wall }
  t.equal(recordDecision(expired, context, timings, live).occurredAt, wall, 'one clock: now')
})
