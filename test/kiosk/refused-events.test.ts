// No event lost silently, against the real app: events the server refuses (422 EVENT_TIME_OUT_OF_RANGE, 409
// EVENT_ID_CONFLICT) are set aside by the reporter, written to the run's decision log with the server's code, and
// counted in one line; the others are stored. And the decision log itself: every line carries its run's id.
import { randomUUID } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { openDecisionLog } from '../../kiosk-sim/decision-log.ts'
import { EventReporter } from '../../kiosk-sim/event-reporter.ts'
import { recordRefused } from '../../kiosk-sim/refused-events.ts'
import { KioskServerClient, type KioskEvent } from '../../kiosk-sim/kiosk-server-client.ts'
import { buildTestApp, KIOSK_ID, KIOSK_KEY } from '../helpers/test-app.ts'

const { app } = await buildTestApp(t)
const url = await app.listen({ port: 0, host: '127.0.0.1' })
const dir = await mkdtemp(path.join(tmpdir(), 'refused-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

const event = (overrides: Partial<KioskEvent> = {}): KioskEvent => ({
  eventId: randomUUID(),
  kioskId: KIOSK_ID,
  controlPoint: 'HKIA-T1',
  channel: 'contactless',
  decision: 'APPROVE',
  reason: null,
  score: 0.8,
  modelVersion: 'human-faceres@test',
  kid: null,
  jtiHash: null,
  occurredAt: Date.now(),
  timings: { decodeMs: 1, verifyMs: 1, detectMs: 1, embedMs: 1, livenessMs: 1, matchMs: 1, totalMs: 6 },
  ...overrides,
})

const readLog = async (file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

t.test('refused events: set aside with the code, logged with the run id, counted; the rest stored', async (t) => {
  const client = new KioskServerClient(url, KIOSK_KEY)
  const stored = event()
  await client.postEvents([stored])
  const future = event({ occurredAt: Date.now() + 3_600_000 })
  const rewritten = { ...stored, decision: 'REJECT' as const, reason: 'FACE_MISMATCH' as const }
  const fine = [event(), event(), event()]
  const reporter = new EventReporter(client, 10)
  for (const e of [fine[0]!, future, fine[1]!, rewritten, fine[2]!]) reporter.add(e)
  await reporter.flush()

  t.equal(reporter.delivered, 3, 'the three good events arrived')
  t.same(
    reporter.refused.map((r) => [r.event.eventId, r.code]),
    [
      [future.eventId, 'EVENT_TIME_OUT_OF_RANGE'],
      [stored.eventId, 'EVENT_ID_CONFLICT'],
    ],
  )
  t.equal(reporter.pending, 0, 'nothing left to retry')

  const log = openDecisionLog(path.join(dir, 'decisions.jsonl'), { command: 'run' })
  const notice = recordRefused(reporter.refused, 5, log)
  t.equal(
    notice,
    `2 of 5 events refused by the server (EVENT_TIME_OUT_OF_RANGE x1, EVENT_ID_CONFLICT x1); ` +
      `kept in ${log.file} (run ${log.runId})`,
  )
  const lines = await readLog(log.file)
  t.equal(lines.length, 3, 'the run line and one line per refused event')
  t.ok(
    lines.every((l) => l.runId === log.runId && typeof l.at === 'string'),
    'every line has the run id and a time',
  )
  t.match(lines[1], { refused: { code: 'EVENT_TIME_OUT_OF_RANGE' }, event: { eventId: future.eventId } })
  t.match(lines[2], { refused: { code: 'EVENT_ID_CONFLICT' }, event: { eventId: stored.eventId } })
})

t.test('positive twin: every event accepted, nothing refused, no notice', async (t) => {
  const reporter = new EventReporter(new KioskServerClient(url, KIOSK_KEY), 10)
  for (let i = 0; i < 4; i++) reporter.add(event())
  await reporter.flush()
  t.equal(reporter.delivered, 4)
  const log = openDecisionLog(path.join(dir, 'ok.jsonl'), { command: 'run' })
  t.equal(recordRefused(reporter.refused, 4, log), null)
  t.equal((await readLog(log.file)).length, 1, 'only the run line')
})

t.test('two runs in one log: each line says which run it belongs to', async (t) => {
  const file = path.join(dir, 'two-runs.jsonl')
  const first = openDecisionLog(file, { command: 'run' })
  first.write({ passengerId: 'p01' })
  const second = openDecisionLog(file, { command: 'run' })
  second.write({ passengerId: 'p01' })
  t.not(first.runId, second.runId)
  t.match(first.runId, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ-[0-9a-f]{4}$/)
  const lines = await readLog(file)
  t.same(
    lines.map((l) => [l.runId, 'run' in l]),
    [
      [first.runId, true],
      [first.runId, false],
      [second.runId, true],
      [second.runId, false],
    ],
  )
})
