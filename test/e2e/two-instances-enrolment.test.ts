// Two server instances on one PostgreSQL schema, each with its own in-memory duplicate index: one face offered
// at both at once is enrolled once, and each instance sees the other's enrolments and revocations.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { buildApp } from '../../server/app.ts'
import { hkidCheckDigit } from '../../contract/hkid.ts'
import { PostgresStore } from '../../server/store/postgres-store.ts'
import { EnrolmentLockTimeoutError } from '../../server/store/store.ts'
import { fakeFaceEngine, photoOf } from '../helpers/fake-engine.ts'
import { operator, testConfig } from '../helpers/test-app.ts'
import { requireServiceForFile, TEST_DATABASE_URL as url } from '../helpers/require-service.ts'

await requireServiceForFile(t, 'PostgreSQL', url)
const schema = `enrol_two_${randomBytes(6).toString('hex')}`
const admin = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5_000 })
admin.on('error', () => {})

const stores = [0, 1].map(
  () => new PostgresStore({ connectionString: url, schema, max: 10, connectionTimeoutMillis: 5_000 }),
)
// One after the other: the second instance's index is loaded after the first has migrated.
const apps = [] as Array<Awaited<ReturnType<typeof buildApp>>>
for (const store of stores)
  apps.push(await buildApp(testConfig(), { store, faceEngine: fakeFaceEngine(), logger: false }))
t.teardown(async () => {
  try {
    for (const app of apps) await app.close()
    for (const store of stores) await store.close()
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await admin.end()
  }
})
const [a, b] = apps as [(typeof apps)[number], (typeof apps)[number]]

let serial = 300000
const nextId = () => {
  const digits = String(serial++)
  return `K${digits}(${hkidCheckDigit('K', digits)})`
}
const enrol = (app: typeof a, residentId: string, axis: number) =>
  app.inject({
    method: 'POST',
    url: '/v1/residents',
    headers: operator,
    payload: { residentId, name: 'Chan Tai Man', dateOfBirth: '1990-05-01', photo: photoOf([{ axis }]) },
  })

t.test(
  'one face at both instances at once, 5 rounds: exactly one enrolled each round, the rest sent to review',
  async (t) => {
    for (let round = 0; round < 5; round++) {
      const axis = round
      const attempts = await Promise.all([a, b, a, b].map((app) => enrol(app, nextId(), axis)))
      const codes = attempts.map((r) => (r.statusCode === 201 ? 'ENROLLED' : r.json().error.code))
      t.equal(codes.filter((c) => c === 'ENROLLED').length, 1, `round ${round}: one enrolled (${codes.join(',')})`)
      t.equal(codes.filter((c) => c === 'DUPLICATE_FACE_REVIEW').length, 3, `round ${round}: three sent to review`)
    }
    const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.residents`)
    t.equal(Number(rows[0]!.n), 5, 'five residents in the database')
  },
)

t.test('twin: different faces at both instances at once are all enrolled', async (t) => {
  const attempts = await Promise.all(
    [5, 6, 7, 0].map((axis, i) => enrol(i % 2 ? b : a, nextId(), axis === 0 ? 7 : axis)),
  )
  // Axis 7 twice: the last one must go to review even though the first went to the other instance.
  const codes = attempts.map((r) => (r.statusCode === 201 ? 'ENROLLED' : r.json().error.code))
  t.strictSame(codes.filter((c) => c === 'ENROLLED').length, 3, `three distinct faces enrolled (${codes.join(',')})`)
  t.strictSame(
    codes.filter((c) => c === 'DUPLICATE_FACE_REVIEW').length,
    1,
    'the repeated face, offered at the other instance, is caught',
  )
})

t.test('a revocation at one instance frees the face at the other', async (t) => {
  const first = nextId()
  // Every axis of the 8-d test space is taken by now: start over with a revoked one.
  const { rows } = await admin.query<{ resident_id: string }>(
    `SELECT resident_id FROM ${schema}.residents WHERE status = 'active' ORDER BY enrolled_at, resident_id LIMIT 1`,
  )
  const holder = rows[0]!.resident_id
  const holderAxis = await axisOf(holder)
  t.equal(
    (await enrol(b, first, holderAxis)).json().error?.code,
    'DUPLICATE_FACE_REVIEW',
    'before the revocation: review at B',
  )
  const revoked = await a.inject({
    method: 'DELETE',
    url: `/v1/residents/${encodeURIComponent(holder)}`,
    headers: operator,
  })
  t.equal(revoked.statusCode, 200, 'revoked at A')
  t.equal((await enrol(b, first, holderAxis)).statusCode, 201, 'after the revocation at A: enrolled at B')
  t.equal(
    (await enrol(a, nextId(), holderAxis)).json().error?.code,
    'DUPLICATE_FACE_REVIEW',
    'and A sees what B enrolled',
  )
})

t.test('the enrolment lock times out with a clear error, and is free again afterwards', async (t) => {
  const [storeA, storeB] = stores as [PostgresStore, PostgresStore]
  let release!: () => void
  const held = new Promise<void>((resolve) => (release = resolve))
  const holding = storeA.withEnrolmentLock(() => held, 5_000)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const started = Date.now()
  await t.rejects(
    storeB.withEnrolmentLock(async () => 'never', 200),
    EnrolmentLockTimeoutError,
    'B gives up while A holds the lock',
  )
  t.ok(Date.now() - started < 2_000, 'within a bounded wait')
  release()
  await holding
  t.equal(await storeB.withEnrolmentLock(async () => 'got it', 2_000), 'got it', 'twin: free once A is done')
})

/** The fake engine's face is a unit vector on one axis: read it back from the instance's index. */
async function axisOf(residentId: string): Promise<number> {
  const template = a.duplicateIndex.get(residentId) ?? b.duplicateIndex.get(residentId)
  if (!template) throw new Error(`no template for ${residentId}`)
  return template.findIndex((v) => v > 0.5)
}
