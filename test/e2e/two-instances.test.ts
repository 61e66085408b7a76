// Two real server processes on one PostgreSQL database (and one Redis): every token presented at both instances at
// once is admitted exactly once, and every clearance event sent to either instance is stored exactly once.
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import pg from 'pg'
import t from 'tap'
import { newEmbeddedSecrets, startEmbeddedServer } from '../../kiosk-sim/embedded-server.ts'
import { fixturePath, loadFixtureSet } from '../../kiosk-sim/scenario/fixture-set.ts'
import { OperatorClient } from '../../kiosk-sim/scenario/operator-client.ts'
import { KioskServerClient, type KioskEvent } from '../../kiosk-sim/kiosk-server-client.ts'
import {
  requireServiceForFile,
  TEST_DATABASE_URL as DATABASE_URL,
  TEST_REDIS_URL as REDIS_URL,
} from '../helpers/require-service.ts'

await requireServiceForFile(t, 'PostgreSQL', DATABASE_URL)
await requireServiceForFile(t, 'Redis', REDIS_URL)
const TOKENS = 40

t.test('two instances on one PostgreSQL: no jti admitted twice, no event lost or duplicated', async (t) => {
  const schema = `two_instances_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  t.teardown(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await admin.end()
  })
  const secrets = newEmbeddedSecrets(['kiosk-a', 'kiosk-b'])
  const env = { DATABASE_URL, DATABASE_SCHEMA: schema, REDIS_URL, TOKEN_RATE_LIMIT_PER_MIN: '100000' }
  const [a, b] = await Promise.all([
    startEmbeddedServer({ kioskIds: ['kiosk-a', 'kiosk-b'], logLevel: 'error', env, secrets }),
    startEmbeddedServer({ kioskIds: ['kiosk-a', 'kiosk-b'], logLevel: 'error', env, secrets }),
  ])
  t.teardown(() => Promise.all([a!.stop(), b!.stop()]))

  const fixtures = await loadFixtureSet('fixtures')
  const resident = fixtures.residents[0]!
  const operatorA = new OperatorClient(a!.url, secrets.operatorKey)
  const credential = await operatorA.enrol({
    ...resident,
    photo: await readFile(fixturePath(fixtures, resident.enrolPhoto)),
  })
  // Issued at A, the tokens' QR can be fetched at B too: issued tokens live in Redis.
  const tokens = await Promise.all(Array.from({ length: TOKENS }, () => operatorA.issueToken(credential)))
  const qrAtB = await fetch(new URL(`/v1/tokens/${tokens[0]!.tokenId}/qr.svg`, b!.url), {
    headers: { authorization: `Bearer ${credential}` },
  })
  t.equal(qrAtB.status, 200, 'instance B serves the QR of a token issued by A')

  const kioskA = new KioskServerClient(a!.url, secrets.kioskKeys['kiosk-a']!)
  const kioskB = new KioskServerClient(b!.url, secrets.kioskKeys['kiosk-b']!)
  let admittedTwice = 0
  let admittedNever = 0
  await Promise.all(
    tokens.map(async ({ token }) => {
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
        iss: string
        jti: string
        exp: number
      }
      const results = await Promise.all([
        kioskA.consumeJti(claims.iss, claims.jti, claims.exp),
        kioskB.consumeJti(claims.iss, claims.jti, claims.exp),
      ])
      const admitted = results.filter(Boolean).length
      if (admitted > 1) admittedTwice++
      if (admitted === 0) admittedNever++
    }),
  )
  t.equal(admittedTwice, 0, 'no token admitted at both instances')
  t.equal(admittedNever, 0, 'every token admitted at one instance')

  const eventsOf = (kioskId: string, n: number): KioskEvent[] =>
    Array.from({ length: n }, () => ({
      eventId: randomUUID(),
      kioskId,
      controlPoint: 'TWO',
      channel: 'contactless',
      decision: 'APPROVE',
      reason: null,
      score: 0.9,
      modelVersion: 'm',
      kid: null,
      jtiHash: null,
      occurredAt: Date.now(),
      timings: { decodeMs: 1, verifyMs: 1, detectMs: 1, embedMs: 1, livenessMs: 1, matchMs: 0, totalMs: 5 },
    }))
  const fromA = eventsOf('kiosk-a', 600)
  const fromB = eventsOf('kiosk-b', 600)
  const batches = (events: KioskEvent[]) =>
    Array.from({ length: events.length / 100 }, (_, i) => events.slice(i * 100, i * 100 + 100))
  // Each kiosk sends all its batches to its instance and, as after a lost acknowledgement, again to the other.
  await Promise.all([
    ...batches(fromA).map((batch) => kioskA.postEvents(batch)),
    ...batches(fromB).map((batch) => kioskB.postEvents(batch)),
  ])
  const retryA = new KioskServerClient(b!.url, secrets.kioskKeys['kiosk-a']!)
  const retryB = new KioskServerClient(a!.url, secrets.kioskKeys['kiosk-b']!)
  const retried = await Promise.all([
    ...batches(fromA).map((x) => retryA.postEvents(x)),
    ...batches(fromB).map((x) => retryB.postEvents(x)),
  ])
  t.equal(
    retried.reduce((sum, r) => sum + r.accepted, 0),
    0,
    'replayed batches add nothing',
  )
  const { rows } = await admin.query<{ count: string }>(`SELECT count(*) FROM ${schema}.clearance_events`)
  t.equal(Number(rows[0]!.count), fromA.length + fromB.length, 'events stored = distinct events sent')
})
