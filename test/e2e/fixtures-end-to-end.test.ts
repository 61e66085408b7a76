// The real server (its own process, SQLite, real face engine) and a real kiosk over the committed fixtures:
// every passenger's decision must match the truth file.
import t from 'tap'
import { loadCalibration } from '../../models/calibration.ts'
import { startFaceEngine } from '../../models/face-engine.ts'
import { thresholdsFrom } from '../../models/thresholds.ts'
import { gateTokenPolicy } from '../../tokens/token-profile.ts'
import { startEmbeddedServer } from '../../kiosk-sim/embedded-server.ts'
import { loadFixtureSet } from '../../kiosk-sim/scenario/fixture-set.ts'
import { runFixtures } from '../../kiosk-sim/scenario/run-fixtures.ts'
import type { EmbeddedServer } from '../../kiosk-sim/embedded-server.ts'
import type { FaceEngine } from '../../models/face-types.ts'

/** The fixture set through one kiosk of this embedded server, with the calibrated policy. */
function runAt(
  server: EmbeddedServer,
  kioskId: string,
  engine: FaceEngine,
  set: Awaited<ReturnType<typeof loadFixtureSet>>,
  outboxPath?: string,
) {
  return runFixtures(set, {
    serverUrl: server.url,
    operatorKey: server.operatorKey,
    kioskKey: server.kioskKeys[kioskId]!,
    identity: { kioskId, controlPoint: 'TEST-CP' },
    engine,
    policy: thresholdsFrom(loadCalibration()),
    tokenPolicy: gateTokenPolicy(),
    ...(outboxPath ? { outboxPath } : {}),
  })
}

t.test('fixture passengers clear as the truth file says', async (t) => {
  const set = await loadFixtureSet('fixtures')
  const server = await startEmbeddedServer({ kioskIds: ['kiosk-e2e'], logLevel: 'error' })
  t.teardown(() => server.stop())
  const engine = await startFaceEngine({ workers: 1 })
  t.teardown(() => engine.close())

  const result = await runAt(server, 'kiosk-e2e', engine, set)

  set.passengers.forEach((passenger, i) => {
    const record = result.records[i]!
    t.same(
      { decision: record.decision, reason: record.reason },
      passenger.expected,
      `${passenger.id} ${passenger.scenario} (score ${record.score})`,
    )
  })
  const scenarios = new Set(set.passengers.map((p) => p.scenario))
  for (const s of ['genuine', 'impostor', 'expired', 'replay', 'forged', 'noface', 'twofaces'] as const)
    t.ok(scenarios.has(s), `fixtures include ${s}`)
  t.equal(result.eventsSent, set.passengers.length, 'every decision reached the server as an event')

  const stats = await fetch(new URL('/v1/stats', server.url), {
    headers: { authorization: `Bearer ${server.operatorKey}` },
  }).then((r) => r.json())
  t.equal(stats.events, set.passengers.length, 'events stored = events sent')
  t.equal(stats.decisions.APPROVE, set.passengers.filter((p) => p.expected.decision === 'APPROVE').length)
})

t.test(
  'with an outbox (offline mode on, server up): the same decisions, every event durable first, then synced',
  async (t) => {
    const { mkdtemp, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const path = await import('node:path')
    const Database = (await import('better-sqlite3')).default
    const dir = await mkdtemp(path.join(tmpdir(), 'outbox-e2e-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const set = await loadFixtureSet('fixtures')
    const server = await startEmbeddedServer({ kioskIds: ['kiosk-outbox'], logLevel: 'error' })
    t.teardown(() => server.stop())
    const engine = await startFaceEngine({ workers: 1 })
    t.teardown(() => engine.close())
    const outboxPath = path.join(dir, 'kiosk-outbox.db')
    const run = () => runAt(server, 'kiosk-outbox', engine, set, outboxPath)

    const first = await run()
    t.strictSame(
      first.records.map((r) => ({ decision: r.decision, reason: r.reason })),
      set.passengers.map((p) => p.expected),
      'every passenger decided as the truth file says',
    )
    t.equal(first.eventsSent, set.passengers.length, 'every decision acknowledged through the outbox sync')
    // A second run appends to the same file: the chain continues and only the new entries count.
    const second = await run()
    t.equal(second.eventsSent, set.passengers.length, 'second run: its own entries only')
    const outbox = new Database(outboxPath, { readonly: true })
    t.teardown(() => outbox.close())
    const tables = outbox.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]
    t.ok(tables.length > 0, `the outbox file holds its tables (${tables.join(', ')})`)
    const stats = await fetch(new URL('/v1/stats', server.url), {
      headers: { authorization: `Bearer ${server.operatorKey}` },
    }).then((r) => r.json())
    t.equal(stats.events, 2 * set.passengers.length, 'events stored = both runs, none twice')
    const head = await fetch(new URL('/v1/kiosk/outbox/head', server.url), {
      headers: { authorization: `Bearer ${server.kioskKeys['kiosk-outbox']}` },
    }).then((r) => r.json())
    t.equal(head.seq, 2 * set.passengers.length, 'the server holds the whole chain')
  },
)
