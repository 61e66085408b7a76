// Malformed multipart enrolments: every parser failure is a 400 with a stable code, never a 500 with the
// parser's message. The twin, a well-formed upload (quoted boundary or not), enrols.
import t, { type Test } from 'tap'
import { hkidCheckDigit } from '../../contract/hkid.ts'
import { buildTestApp, kiosk, operator } from '../helpers/test-app.ts'

type App = Awaited<ReturnType<typeof buildTestApp>>['app']

const hkid = (n: number) => {
  const digits = String(400000 + n)
  return `H${digits}(${hkidCheckDigit('H', digits)})`
}
const field = (boundary: string, name: string, value: string) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
function form(boundary: string, n: number, { cutAfter, close = true }: { cutAfter?: number; close?: boolean } = {}) {
  const text =
    field(boundary, 'residentId', hkid(n)) +
    field(boundary, 'name', 'Chan Tai Man') +
    field(boundary, 'dateOfBirth', '1990-05-01') +
    `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\n` +
    'Content-Type: image/jpeg\r\n\r\n' +
    JSON.stringify({ faces: [{ axis: n % 8 }] }) +
    (close ? `\r\n--${boundary}--\r\n` : '\r\n')
  return cutAfter === undefined ? text : text.slice(0, text.indexOf('"faces"') + cutAfter)
}
const post = (app: App, contentType: string, payload: string) =>
  app.inject({ method: 'POST', url: '/v1/residents', headers: { ...operator, 'content-type': contentType }, payload })

function refused(t: Test, res: Awaited<ReturnType<typeof post>>, code: string, label: string) {
  t.equal(res.statusCode, 400, `${label}: 400`)
  t.equal((res.json() as { error: { code: string } }).error.code, code, `${label}: ${code}`)
  t.notMatch(res.body, /multipart data|Boundary not found|busboy|needle|\bat .+:\d+/i, `${label}: no parser text`)
}

t.test('malformed multipart enrolments are 400 with stable codes; a well-formed one enrols', async (t) => {
  const { app, store } = await buildTestApp(t)
  refused(
    t,
    await post(app, 'multipart/form-data; boundary=B', form('B', 1, { cutAfter: 5 })),
    'MULTIPART_MALFORMED',
    'body cut off mid-file',
  )
  refused(
    t,
    await post(app, 'multipart/form-data; boundary=B', form('B', 1, { close: false })),
    'MULTIPART_MALFORMED',
    'no closing boundary',
  )
  refused(
    t,
    await post(app, 'multipart/form-data; boundary=B', 'no parts here, just text'),
    'MULTIPART_MALFORMED',
    'no part at all',
  )
  refused(
    t,
    await post(app, 'multipart/form-data', form('B', 1)),
    'MULTIPART_BOUNDARY_INVALID',
    'no boundary parameter',
  )
  refused(
    t,
    await post(app, 'multipart/form-data; boundary=', form('B', 1)),
    'MULTIPART_BOUNDARY_INVALID',
    'an empty boundary',
  )
  refused(
    t,
    await post(app, `multipart/form-data; boundary=${'b'.repeat(300)}`, form('B', 1)),
    'MULTIPART_BOUNDARY_INVALID',
    'a 300-character boundary',
  )
  // Multipart sent to a JSON route is not parsed at all: the schema refuses the missing body.
  const jti = await app.inject({
    method: 'POST',
    url: '/v1/kiosk/jti',
    headers: { ...kiosk, 'content-type': 'multipart/form-data; boundary=B' },
    payload: field('B', 'jti', 'x'),
  })
  t.equal(jti.statusCode, 400, 'multipart on a JSON route: 400')
  t.equal(await store.getResident(hkid(1)), null, 'nothing enrolled by a refused upload')

  // Twins: the same forms, whole, enrol; a quoted boundary too.
  t.equal((await post(app, 'multipart/form-data; boundary=B', form('B', 1))).statusCode, 201, 'whole form: 201')
  const quoted = await post(app, 'multipart/form-data; boundary="a b:c"; charset=utf-8', form('a b:c', 2))
  t.equal(quoted.statusCode, 201, 'quoted boundary with a space, then another parameter: 201')
})
