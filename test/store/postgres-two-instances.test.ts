// Two server instances on one database: two stores, two pools, the same schema, fired at concurrently.
import { randomBytes, randomUUID } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { POSTGRES_MIGRATIONS } from '../../server/store/postgres-migrations.ts'
import { PostgresStore } from '../../server/store/postgres-store.ts'
import type { ClearanceEvent } from '../../server/store/store.ts'
import { redactUrl, requireServiceForFile, TEST_DATABASE_URL as url } from '../helpers/require-service.ts'

await requireServiceForFile(t, 'PostgreSQL', url)
const schema = `store_test_${randomBytes(6).toString('hex')}_two`
const admin = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5_000 })
admin.on('error', () => {})

try {
  await admin.query('SELECT 1')
} catch (error) {
  // Fail, not skip: a green run must mean the PostgreSQL store was tested.
  t.fail(`PostgreSQL is not reachable at ${redactUrl(url)} (set TEST_DATABASE_URL): ${(error as Error).message}`)
}

const instances = [0, 1].map(
  () => new PostgresStore({ connectionString: url, schema, max: 10, connectionTimeoutMillis: 5_000 }),
)
t.teardown(async () => {
  try {
    await Promise.all(instances.map((store) => store.close()))
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await admin.end()
  }
})
const [a, b] = instances as [PostgresStore, PostgresStore]

if (t.passing()) {
  t.test('both instances migrate at once: each migration applied once', async (t) => {
    await Promise.all([a.migrate(), b.migrate(), a.migrate(), b.migrate()])
    const { rows } = await admin.query<{ version: number }>(
      `SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
    )
    t.strictSame(
      rows.map((row) => row.version),
      POSTGRES_MIGRATIONS.map((m) => m.version),
    )
  })

  t.test('200 jtis, each consumed by both instances at once: each consumed exactly once', async (t) => {
    const jtis = Array.from({ length: 200 }, () => randomUUID())
    const expiresAtSec = Math.floor(Date.now() / 1000) + 120
    const results = await Promise.all(
      jtis.flatMap((jti) =>
        [a, b].map((store, i) =>
          store.consumeJti({
            iss: 'https://issuer.example',
            jti,
            expiresAtSec,
            kioskId: `kiosk-${i}`,
            consumedAt: new Date().toISOString(),
          }),
        ),
      ),
    )
    const perJti = jtis.map((_, j) => Number(results[2 * j]) + Number(results[2 * j + 1]))
    t.strictSame(
      perJti.filter((n) => n !== 1),
      [],
      'no jti consumed twice or not at all',
    )
    t.equal(results.filter(Boolean).length, 200, '200 consumed in total')
    const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.jti_ledger`)
    t.equal(Number(rows[0]!.n), 200, '200 ledger rows')
  })

  t.test('1,000 events in overlapping batches through both instances: none lost, none duplicated', async (t) => {
    const events = Array.from({ length: 1000 }, (_, i) => clearanceEvent(1_760_000_000_000 + i))
    const shuffled = shuffle(events, 42)
    // Instance A: overlapping windows in order. Instance B: the same events shuffled in batches of 137,
    // and once all of them plus 200 repeats in one call (1,200 rows: two INSERTs in one transaction).
    const batchesA = [0, 250, 500, 750].map((start) => events.slice(start, start + 300))
    const batchesB = Array.from({ length: Math.ceil(1000 / 137) }, (_, i) => shuffled.slice(i * 137, (i + 1) * 137))
    batchesB.push([...shuffled, ...shuffled.slice(0, 200)])
    const sent = [...batchesA, ...batchesB].reduce((sum, batch) => sum + batch.length, 0)
    const results = await Promise.all([
      ...batchesA.map((batch) => a.insertEvents(batch, Date.now())),
      ...batchesB.map((batch) => b.insertEvents(batch, Date.now())),
    ])
    const inserted = results.reduce((sum, r) => sum + r.inserted, 0)
    const duplicates = results.reduce((sum, r) => sum + r.duplicates, 0)
    t.equal(inserted, 1000, 'inserted counts add up to the distinct events sent')
    t.equal(inserted + duplicates, sent, 'every event sent is counted once, as inserted or duplicate')
    t.equal(await a.countEvents(), 1000, 'instance A counts 1,000')
    t.equal(await b.countEvents(), 1000, 'instance B counts 1,000')
    const stored = await a.listEvents(0)
    t.strictSame(
      stored.map((e) => e.eventId),
      events.map((e) => e.eventId),
      'exactly the events sent, in occurredAt order',
    )
  })
}

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items]
  let state = seed
  const next = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

function clearanceEvent(occurredAt: number): ClearanceEvent {
  return {
    eventId: randomUUID(),
    kioskId: `kiosk-${occurredAt % 7}`,
    controlPoint: 'Lok Ma Chau',
    channel: 'contactless',
    decision: 'APPROVE',
    reason: null,
    score: 0.9,
    modelVersion: 'test-1',
    kid: 'key-1',
    jtiHash: null,
    occurredAt,
    timings: { decodeMs: 1, verifyMs: 1, detectMs: 20, embedMs: 30, livenessMs: 15, matchMs: 0.1, totalMs: 67.1 },
  }
}
