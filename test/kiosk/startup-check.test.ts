// The kiosk's start-up check against the real app (in process, listening on a free port): a dead server, a wrong
// kiosk key, a kiosk id its key does not belong to, a wrong operator key; each one line with the URL and the cause.
// And the /v1/whoami route it relies on.
import t from 'tap'
import { checkServerAccess, StartupCheckError } from '../../kiosk-sim/startup-check.ts'
import { buildTestApp, kiosk, KIOSK_ID, KIOSK_KEY, operator, OPERATOR_KEY } from '../helpers/test-app.ts'

const { app } = await buildTestApp(t)
const url = await app.listen({ port: 0, host: '127.0.0.1' })

t.test('GET /v1/whoami: the kiosk a key belongs to, or operator; 401 without a known key', async (t) => {
  const get = (headers: Record<string, string>) => app.inject({ method: 'GET', url: '/v1/whoami', headers })
  t.same((await get(kiosk)).json(), { role: 'kiosk', kioskId: KIOSK_ID })
  t.same((await get({ authorization: 'Bearer kiosk-key-2-0123456789' })).json(), { role: 'kiosk', kioskId: 'kiosk-2' })
  t.same((await get(operator)).json(), { role: 'operator' })
  const refused = await get({ authorization: 'Bearer not-a-key-0123456789' })
  t.equal(refused.statusCode, 401)
  t.equal(refused.json().error.code, 'UNAUTHORIZED')
  t.equal((await get({})).statusCode, 401, 'no key at all')
})

const good = { url, kioskKey: KIOSK_KEY, kioskId: KIOSK_ID, operatorKey: OPERATOR_KEY }

async function problem(input: Parameters<typeof checkServerAccess>[0]): Promise<StartupCheckError> {
  const error = await checkServerAccess(input).then(
    () => null,
    (e: unknown) => e,
  )
  if (!(error instanceof StartupCheckError)) throw new Error(`expected a StartupCheckError, got ${String(error)}`)
  return error
}

t.test('positive twin: the right keys and kiosk id pass', async (t) => {
  await t.resolves(checkServerAccess(good))
  await t.resolves(checkServerAccess({ ...good, operatorKey: undefined }), 'the operator key is optional')
})

t.test('a dead server: SERVER_UNREACHABLE, the URL and ECONNREFUSED in one line', async (t) => {
  const error = await problem({ ...good, url: 'http://127.0.0.1:9' })
  t.equal(error.code, 'SERVER_UNREACHABLE')
  t.equal(error.message, 'cannot reach http://127.0.0.1:9 (ECONNREFUSED): is the server running?')
})

t.test('a wrong kiosk key: KIOSK_KEY_REFUSED naming the kiosk and the status', async (t) => {
  const error = await problem({ ...good, kioskKey: 'wrong-kiosk-key-123456' })
  t.equal(error.code, 'KIOSK_KEY_REFUSED')
  t.match(error.message, `the server at ${url} refused the kiosk key for kiosk-1 (401)`)
  t.notMatch(error.message, /\n/, 'one line')
})

t.test("a kiosk id its key does not belong to: KIOSK_ID_MISMATCH naming the key's kiosk", async (t) => {
  const error = await problem({ ...good, kioskId: 'kiosk-9' })
  t.equal(error.code, 'KIOSK_ID_MISMATCH')
  t.match(error.message, /the kiosk key belongs to kiosk-1, not kiosk-9: check --kiosk-id/)
})

t.test('a wrong operator key: OPERATOR_KEY_REFUSED (enrolment, 401)', async (t) => {
  const error = await problem({ ...good, operatorKey: 'wrong-operator-123456' })
  t.equal(error.code, 'OPERATOR_KEY_REFUSED')
  t.match(error.message, `the server at ${url} refused the operator key (enrolment, 401)`)
  const swapped = await problem({ ...good, operatorKey: KIOSK_KEY })
  t.equal(swapped.code, 'OPERATOR_KEY_REFUSED', 'a kiosk key given as the operator key')
})

t.test('mid-run, the operator client names a refused operator key; the right key is served', async (t) => {
  const { OperatorClient } = await import('../../kiosk-sim/scenario/operator-client.ts')
  await t.rejects(new OperatorClient(url, 'wrong-operator-123456').stats(), {
    code: 'UNAUTHORIZED',
    message: `the server at ${url} refused the operator key (/v1/stats, 401)`,
  })
  await t.resolves(new OperatorClient(url, OPERATOR_KEY).stats())
})
