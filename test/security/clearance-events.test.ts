// Hostile clearance events, live (POST /v1/kiosk/events) and through the outbox sync (POST /v1/kiosk/outbox):
// what the schema cannot see (a reason its decision cannot carry, a time far from the server's clock, an event id
// reused with other content). Every refusal has a twin that is stored.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import type { ClearanceEvent } from '../../contract/clearance-event.ts'
import { DECISION_REASONS, DECISIONS } from '../../contract/decision-reasons.ts'
import { entryHash, genesisHash, type ChainHead } from '../../lib/outbox-chain.ts'
import type { OutboxEntry } from '../../server/store/store.ts'
import { buildTestApp, kiosk, KIOSK_ID, operator, testConfig } from '../helpers/test-app.ts'

type App = Awaited<ReturnType<typeof buildTestApp>>['app']

function event(overrides: Partial<ClearanceEvent> = {}): ClearanceEvent {
  return {
    eventId: randomUUID(),
    kioskId: KIOSK_ID,
    controlPoint: 'lo-wu',
    channel: 'contactless',
    decision: 'APPROVE',
    reason: null,
    score: 0.9,
    modelVersion: 'human-faceres@test',
    kid: 'k1',
    jtiHash: null,
    occurredAt: Date.now(),
    timings: { decodeMs: 1, verifyMs: 1, detectMs: 1, embedMs: 1, livenessMs: 1, matchMs: 1, totalMs: 6 },
    ...overrides,
  }
}

/** Outbox entries continuing the chain at `head`, one per event. */
function chain(events: ClearanceEvent[], head: ChainHead = { seq: 0, hash: genesisHash(KIOSK_ID) }): OutboxEntry[] {
  let { seq, hash } = head
  return events.map((e) => {
    seq++
    const entry = { seq, prevHash: hash, hash: entryHash(hash, seq, e, null), event: e, jti: null }
    hash = entry.hash
    return entry
  })
}

const postEvents = (app: App, events: unknown[]) =>
  app.inject({ method: 'POST', url: '/v1/kiosk/events', headers: kiosk, payload: { events } })
const postOutbox = (app: App, entries: OutboxEntry[]) =>
  app.inject({
    method: 'POST',
    url: '/v1/kiosk/outbox',
    headers: kiosk,
    payload: { kioskId: KIOSK_ID, events: entries },
  })
const codeOf = (res: { json(): unknown }) => (res.json() as { error?: { code?: string } }).error?.code
const stats = async (app: App) =>
  (await app.inject({ method: 'GET', url: '/v1/stats', headers: operator })).json() as {
    events: number
    reasons: Record<string, number>
    window: { fromMs: number }
    throughput: { lastMinute: number; perSecondOverWindow: number }
  }

t.test(
  'a reason its decision cannot carry is refused, live and in the outbox; every real pair is stored',
  async (t) => {
    const { app, store } = await buildTestApp(t)
    const impossible: Array<[string, Partial<ClearanceEvent>]> = [
      ['APPROVE with TOKEN_REPLAYED and score -1', { decision: 'APPROVE', reason: 'TOKEN_REPLAYED', score: -1 }],
      ['APPROVE with a refer reason', { decision: 'APPROVE', reason: 'NO_FACE' }],
      ['REJECT with a refer reason', { decision: 'REJECT', reason: 'SPOOF_SUSPECTED' }],
      ['REJECT without a reason', { decision: 'REJECT', reason: null }],
      ['REFER_TO_OFFICER with a reject reason', { decision: 'REFER_TO_OFFICER', reason: 'FACE_MISMATCH' }],
      ['REFER_TO_OFFICER without a reason', { decision: 'REFER_TO_OFFICER', reason: null }],
    ]
    for (const [label, patch] of impossible) {
      const res = await postEvents(app, [event(), event(patch)])
      t.equal(res.statusCode, 422, `live, ${label}: 422`)
      t.equal(codeOf(res), 'EVENT_REASON_INVALID', `live, ${label}: code`)
    }
    const unknown = await postEvents(app, [event({ decision: 'REJECT', reason: 'MADE_UP_REASON' as 'FACE_MISMATCH' })])
    t.equal(codeOf(unknown), 'VALIDATION_FAILED', 'an unknown reason fails the schema (a closed set)')
    t.equal(await store.countEvents(), 0, 'nothing of a refused batch is stored')

    const outbox = await postOutbox(app, chain([event(), event({ decision: 'APPROVE', reason: 'TOKEN_REPLAYED' })]))
    t.equal(outbox.statusCode, 422, 'outbox: 422')
    t.equal(codeOf(outbox), 'EVENT_REASON_INVALID', 'outbox: code')
    t.equal((await store.getOutboxHead(KIOSK_ID)).seq, 0, 'outbox: nothing stored')
    const audit = (await store.listAudit(10)).find((a) => a.kind === 'OUTBOX_REFUSED')
    t.same(audit?.details, { kioskId: KIOSK_ID, code: 'EVENT_REASON_INVALID', atSeq: 2, storedHeadSeq: null })

    // Twins: every pair decide() can return is stored, live and through the outbox, and reaches the statistics.
    const real = DECISIONS.flatMap((decision) =>
      DECISION_REASONS[decision].map((reason) => event({ decision, reason } as Partial<ClearanceEvent>)),
    )
    t.same((await postEvents(app, real)).json(), { accepted: real.length, duplicates: 0 }, 'live: every real pair')
    const synced = await postOutbox(app, chain([event(), event({ decision: 'REJECT', reason: 'TOKEN_REPLAYED' })]))
    t.equal(synced.statusCode, 200, 'outbox twin: 200')
    t.equal(synced.json().stored, 2, 'outbox twin: stored')
    const report = await stats(app)
    t.equal(report.events, real.length + 2)
    t.notOk('MADE_UP_REASON' in report.reasons, 'no made-up reason in the statistics')
    t.equal(report.reasons.TOKEN_REPLAYED, 2)
  },
)

t.test(
  "an occurredAt far from the server's clock is refused, live and in the outbox; near times are stored",
  async (t) => {
    const { app, store } = await buildTestApp(t)
    const now = Date.now()
    const HOUR = 3_600_000
    const DAY = 24 * HOUR
    // Times from the clock at each request: the server's clock moves on while the test runs.
    const refusedLive: Array<[string, () => number]> = [
      ['in 2099', () => 4_070_908_800_000],
      ['at 0 (1970)', () => 0],
      ['an hour ahead', () => Date.now() + HOUR],
      ['31 s ahead (over the 30 s skew)', () => Date.now() + 31_000],
      ['25 hours old (over the live bound of a day)', () => Date.now() - 25 * HOUR],
    ]
    for (const [label, occurredAt] of refusedLive) {
      const res = await postEvents(app, [event(), event({ occurredAt: occurredAt() })])
      t.equal(res.statusCode, 422, `live, ${label}: 422`)
      t.equal(codeOf(res), 'EVENT_TIME_OUT_OF_RANGE', `live, ${label}: code`)
    }
    t.equal(await store.countEvents(), 0, 'nothing of a refused batch is stored')

    const outboxCases: Array<[string, () => number]> = [
      ['from the future (an hour ahead)', () => Date.now() + HOUR],
      ['at 0 (1970)', () => 0],
      ['31 days old (over the outbox bound of 30 days)', () => Date.now() - 31 * DAY],
    ]
    for (const [label, occurredAt] of outboxCases) {
      const entries = chain([event({ occurredAt: now - DAY }), event({ occurredAt: occurredAt() })])
      const res = await postOutbox(app, entries)
      t.equal(res.statusCode, 422, `outbox, ${label}: 422`)
      t.equal(codeOf(res), 'EVENT_TIME_OUT_OF_RANGE', `outbox, ${label}: code`)
    }
    t.equal((await store.getOutboxHead(KIOSK_ID)).seq, 0, 'outbox: nothing stored')
    const refusals = (await store.listAudit(20)).filter((a) => a.kind === 'OUTBOX_REFUSED')
    t.equal(refusals.length, outboxCases.length, 'every outbox refusal is audited')
    t.ok(refusals.every((a) => a.details.code === 'EVENT_TIME_OUT_OF_RANGE' && a.details.atSeq === 2))

    // Twins: a kiosk clock a little ahead, a live event from yesterday, outbox entries days old.
    const at = Date.now()
    const live = [event({ occurredAt: at }), event({ occurredAt: at + 20_000 }), event({ occurredAt: at - 23 * HOUR })]
    t.same((await postEvents(app, live)).json(), { accepted: 3, duplicates: 0 }, 'live twins are stored')
    const old = chain([event({ occurredAt: now - 10 * DAY }), event({ occurredAt: now - 29 * DAY }), event()])
    const synced = await postOutbox(app, old)
    t.equal(synced.statusCode, 200, 'outbox twin: entries 10 and 29 days old are stored')
    t.equal(synced.json().stored, 3)

    // The statistics start at the oldest accepted event, and a future event is not yet recent.
    const report = await stats(app)
    t.equal(report.events, 6)
    t.ok(report.window.fromMs >= now - 30 * DAY, `the window starts within the outbox bound (${report.window.fromMs})`)
    t.ok(
      report.throughput.perSecondOverWindow > 1e-6,
      `a rate over a bounded window (${report.throughput.perSecondOverWindow})`,
    )
    t.equal(report.throughput.lastMinute, 2, 'the two events at now count; the one 20 s ahead is not recent yet')
  },
)

t.test('an event id reused with other content is refused and audited, live and in the outbox', async (t) => {
  const { app, store } = await buildTestApp(t)
  const rejected = event({ decision: 'REJECT', reason: 'FACE_MISMATCH', score: 0.2 })
  t.same((await postEvents(app, [rejected])).json(), { accepted: 1, duplicates: 0 })

  const live = await postEvents(app, [event(), { ...rejected, decision: 'APPROVE', reason: null, score: 0.99 }])
  t.equal(live.statusCode, 409, 'live: 409')
  t.equal(codeOf(live), 'EVENT_ID_CONFLICT', 'live: code')
  const audit = (await store.listAudit(10)).find((a) => a.kind === 'EVENT_ID_CONFLICT')
  t.same(audit?.details, { kioskId: KIOSK_ID, eventId: rejected.eventId }, 'live: audited')

  const outbox = await postOutbox(app, chain([event(), { ...rejected, decision: 'APPROVE', reason: null }]))
  t.equal(outbox.statusCode, 409, 'outbox: 409, not "stored: 1"')
  t.equal(codeOf(outbox), 'EVENT_ID_CONFLICT', 'outbox: code')
  t.equal((await store.getOutboxHead(KIOSK_ID)).seq, 0, 'outbox: nothing stored')
  const refusal = (await store.listAudit(10)).find((a) => a.kind === 'OUTBOX_REFUSED')
  t.same(refusal?.details, { kioskId: KIOSK_ID, code: 'EVENT_ID_CONFLICT', atSeq: 2, storedHeadSeq: null })

  const stored = await store.listEvents(0)
  t.same(
    stored.map((e) => [e.eventId, e.decision, e.reason]),
    [[rejected.eventId, 'REJECT', 'FACE_MISMATCH']],
    'the REJECT stays a REJECT; nothing else of the refused batches was stored',
  )

  // Twins: an exact resend is a duplicate; another kiosk's event with the same id is its own event.
  t.same((await postEvents(app, [rejected])).json(), { accepted: 0, duplicates: 1 }, 'an exact resend')
  const otherKiosk = await app.inject({
    method: 'POST',
    url: '/v1/kiosk/events',
    headers: { authorization: `Bearer ${testConfig().kioskKeys['kiosk-2']}` },
    payload: { events: [{ ...rejected, kioskId: 'kiosk-2', decision: 'APPROVE', reason: null }] },
  })
  t.same(otherKiosk.json(), { accepted: 1, duplicates: 0 }, "another kiosk's event with the same id is stored")
  const synced = await postOutbox(app, chain([event(), rejected]))
  t.equal(synced.statusCode, 200, 'an outbox entry carrying the stored event unchanged is acknowledged')
  t.equal(synced.json().stored, 2)
  t.equal(await store.countEvents(), 3, 'each event once')
})
