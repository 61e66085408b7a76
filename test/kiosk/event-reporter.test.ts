import { randomUUID } from 'node:crypto'
import t from 'tap'
import { EventReporter } from '../../kiosk-sim/event-reporter.ts'
import type { KioskEvent } from '../../kiosk-sim/server-client.ts'

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
