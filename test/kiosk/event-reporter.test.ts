import { randomUUID } from 'node:crypto'
import t from 'tap'
import { EventReporter } from '../../kiosk-sim/event-reporter.ts'
import { EventsRefusedError, KioskNotAuthorisedError, type KioskEvent } from '../../kiosk-sim/kiosk-server-client.ts'

const event = (): KioskEvent => ({
  eventId: randomUUID(),
  kioskId: 'k',
  controlPoint: 'cp',
  channel: 'contactless',
  decision: 'APPROVE',
  reason: null,
  score: 0.8,
  modelVersion: 'm',
  kid: null,
  jtiHash: null,
  occurredAt: 1,
  timings: { decodeMs: 1, verifyMs: 1, detectMs: 1, embedMs: 1, livenessMs: 1, matchMs: 1, totalMs: 6 },
})

/** A server that stores by event id and can be told to fail the next N calls, or to lose the reply. */
function fakeServer() {
  const stored = new Map<string, KioskEvent>()
  const server = {
    stored,
    failNext: 0,
    loseReplyNext: 0,
    calls: 0,
    async postEvents(events: KioskEvent[]) {
      server.calls++
      if (server.failNext > 0) {
        server.failNext--
        throw new Error('connection refused')
      }
      let accepted = 0
      for (const e of events) {
        if (stored.has(e.eventId)) continue
        stored.set(e.eventId, e)
        accepted++
      }
      if (server.loseReplyNext > 0) {
        server.loseReplyNext--
        throw new Error('reply lost')
      }
      return { accepted, duplicates: events.length - accepted }
    },
  }
  return server
}

t.test('all events arrive once, in batches', async (t) => {
  const server = fakeServer()
  const reporter = new EventReporter(server, 10)
  for (let i = 0; i < 35; i++) reporter.add(event())
  await reporter.flush()
  t.equal(server.stored.size, 35)
  t.equal(reporter.delivered, 35)
  t.equal(reporter.pending, 0)
})

t.test('failures and lost replies are retried without loss or duplicates', async (t) => {
  const server = fakeServer()
  server.failNext = 2
  server.loseReplyNext = 1
  const reporter = new EventReporter(server, 10)
  const sent = Array.from({ length: 25 }, event)
  sent.forEach((e) => reporter.add(e))
  await reporter.flush(10)
  t.equal(server.stored.size, 25, 'nothing lost')
  t.same([...server.stored.keys()].sort(), sent.map((e) => e.eventId).sort(), 'exactly the events sent')
  t.equal(reporter.pending, 0)
})

t.test('a server that stays down makes flush fail loudly, keeping the events', async (t) => {
  const server = fakeServer()
  server.failNext = 100
  const reporter = new EventReporter(server, 10)
  reporter.add(event())
  await t.rejects(reporter.flush(3))
  t.equal(reporter.pending, 1, 'still queued for a later flush')
  server.failNext = 0
  await reporter.flush()
  t.equal(server.stored.size, 1)
})

/** A server that refuses, with 422, any batch holding one of the given events (the whole batch or nothing). */
function refusingServer(bad: Set<string>) {
  const stored = new Map<string, KioskEvent>()
  const server = {
    stored,
    calls: 0,
    async postEvents(events: KioskEvent[]) {
      server.calls++
      const index = events.findIndex((e) => bad.has(e.eventId))
      if (index >= 0) throw new EventsRefusedError(422, 'EVENT_TIME_OUT_OF_RANGE', `event ${index} refused: too old`)
      for (const e of events) stored.set(e.eventId, e)
      return { accepted: events.length, duplicates: 0 }
    },
  }
  return server
}

t.test('events the server refuses are set aside with its reason, not retried; the rest arrive', async (t) => {
  const sent = Array.from({ length: 12 }, event)
  const bad = new Set([sent[3]!.eventId, sent[8]!.eventId])
  const server = refusingServer(bad)
  const reporter = new EventReporter(server, 10)
  sent.forEach((e) => reporter.add(e))
  await reporter.flush()
  t.equal(server.stored.size, 10, 'every other event delivered')
  t.equal(reporter.delivered, 10)
  t.same(
    reporter.refused.map((r) => r.event.eventId),
    [sent[3]!.eventId, sent[8]!.eventId],
    'exactly the refused events, kept',
  )
  t.same(
    reporter.refused.map((r) => r.code),
    ['EVENT_TIME_OUT_OF_RANGE', 'EVENT_TIME_OUT_OF_RANGE'],
  )
  t.equal(reporter.pending, 0, 'nothing left to retry forever')
  const calls = server.calls
  await reporter.flush()
  t.equal(server.calls, calls, 'a later flush does not send the refused events again')
})

t.test('positive twin: with nothing refused, nothing is set aside and batches stay whole', async (t) => {
  const server = refusingServer(new Set())
  const reporter = new EventReporter(server, 10)
  for (let i = 0; i < 12; i++) reporter.add(event())
  await reporter.flush()
  t.equal(reporter.refused.length, 0)
  t.equal(server.calls, 2, 'two batches, no event-by-event resend')
})

t.test('a refused kiosk key sets the batch aside with KIOSK_NOT_AUTHORISED', async (t) => {
  const reporter = new EventReporter(
    {
      postEvents: async () => {
        throw new KioskNotAuthorisedError('events: HTTP 403')
      },
    },
    10,
  )
  reporter.add(event())
  reporter.add(event())
  await reporter.flush()
  t.same(
    reporter.refused.map((r) => r.code),
    ['KIOSK_NOT_AUTHORISED', 'KIOSK_NOT_AUTHORISED'],
  )
  t.equal(reporter.pending, 0)
})
