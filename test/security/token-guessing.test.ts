// Guessing resident credentials at POST /v1/tokens: wrong credentials are limited per address and per
// credential, apart, so that a resident behind the same carrier NAT address as a guesser still gets tokens.
// Both paths: counts in memory (one instance) and in Redis (shared by instances, REDIS_URL set).
import { randomInt, randomUUID } from 'node:crypto'
import t, { type Test } from 'tap'
import { buildApp } from '../../server/app.ts'
import { hkidCheckDigit } from '../../contract/hkid.ts'
import { fakeFaceEngine, photoOf } from '../helpers/fake-engine.ts'
import { buildTestApp, operator, testConfig } from '../helpers/test-app.ts'
import { serviceSkip, TEST_REDIS_URL as REDIS_URL } from '../helpers/require-service.ts'

const redisSkip = await serviceSkip(t, 'Redis', REDIS_URL)
const BUDGET = 30

type App = Awaited<ReturnType<typeof buildApp>>

/** An address of its own for each use: Redis keeps counts across test runs for a minute. */
const address = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`
const guess = () => `rc_${randomUUID().replaceAll('-', '')}${randomUUID().replaceAll('-', '')}`.slice(0, 46)

async function enrol(app: App): Promise<string> {
  const digits = String(randomInt(100000, 999999))
  const res = await app.inject({
    method: 'POST',
    url: '/v1/residents',
    headers: operator,
    payload: {
      residentId: `G${digits}(${hkidCheckDigit('G', digits)})`,
      name: 'Chan Tai Man',
      dateOfBirth: '1990-05-01',
      photo: photoOf([{ axis: randomInt(8) }]),
    },
  })
  if (res.statusCode !== 201) throw new Error(`enrolment: ${res.statusCode} ${res.body}`)
  return res.json().credential as string
}

const issue = (app: App, credential: string, remoteAddress: string) =>
  app.inject({ method: 'POST', url: '/v1/tokens', headers: { authorization: `Bearer ${credential}` }, remoteAddress })
const codeOf = (res: { json(): unknown }) => (res.json() as { error?: { code?: string } }).error?.code

async function guessingRules(t: Test, app: App, other?: App) {
  const credential = await enrol(app)
  const nat = address()

  const wrong: number[] = []
  for (let i = 0; i < BUDGET; i++) wrong.push((await issue(app, guess(), nat)).statusCode)
  t.same([...new Set(wrong)], [401], `${BUDGET} wrong credentials from one address: 401 each`)
  const valid = await issue(app, credential, nat)
  t.equal(valid.statusCode, 201, 'then a valid credential from the same address is served (a shared NAT address)')

  const over = await issue(app, guess(), nat)
  t.equal(over.statusCode, 429, 'the next wrong credential from that address: 429')
  t.equal(codeOf(over), 'RATE_LIMITED')
  const retryAfter = Number(over.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter} s`)
  t.equal((await issue(app, credential, nat)).statusCode, 201, 'twin: the valid credential is still served')
  t.equal((await issue(app, guess(), address())).statusCode, 401, 'twin: a wrong credential elsewhere is a plain 401')

  // One wrong credential tried from many addresses is limited on its own count.
  const stolen = guess()
  const spread: number[] = []
  for (let i = 0; i <= BUDGET; i++) spread.push((await issue(app, stolen, address())).statusCode)
  t.same(spread.slice(0, BUDGET), Array(BUDGET).fill(401), `one wrong credential from ${BUDGET} addresses: 401 each`)
  t.equal(spread[BUDGET], 429, 'then 429, from yet another address')
  t.equal(codeOf(await issue(app, stolen, address())), 'RATE_LIMITED', 'and refused before any lookup')

  if (other) {
    // Another instance on the same Redis sees the same counts.
    t.equal((await issue(other, guess(), nat)).statusCode, 429, 'instance B: the address is over its budget too')
    t.equal((await issue(other, stolen, address())).statusCode, 429, 'instance B: the credential too')
    t.equal((await issue(other, credential, nat)).statusCode, 201, 'instance B: the valid credential is served')
  }
}

const limits = { tokensPerMinute: BUDGET, enrolmentsPerMinute: 120 }

t.test('in memory: wrong credentials are limited per address and per credential; a valid one is served', async (t) => {
  const { app } = await buildTestApp(t, { rateLimits: limits })
  await guessingRules(t, app)
})

t.test('in Redis, shared by two instances: the same rules, one count', { skip: redisSkip }, async (t) => {
  const { app, store } = await buildTestApp(t, { rateLimits: limits, redisUrl: REDIS_URL })
  // Instance B on the same store (so that it finds A's residents) and the same Redis.
  const other = await buildApp(testConfig({ rateLimits: limits, redisUrl: REDIS_URL }), {
    store,
    faceEngine: fakeFaceEngine(),
    logger: false,
  })
  t.teardown(() => other.close())
  await guessingRules(t, app, other)
})
