// Hostile enrolment input that passes a naive schema: names that are blank or display falsely. Every refusal
// has a twin: real names (Chinese, apostrophes, hyphens, spaces) enrol and are stored in one normal form.
import type { InjectOptions } from 'fastify'
import t from 'tap'
import { hkidCheckDigit } from '../../contract/hkid.ts'
import { HKID_EXAMPLE } from '../../server/schemas/residents.ts'
import { photoOf } from '../helpers/fake-engine.ts'
import { buildTestApp, kiosk, operator } from '../helpers/test-app.ts'

type App = Awaited<ReturnType<typeof buildTestApp>>['app']

let next = 0
function hkid(): string {
  const digits = String(500000 + ++next)
  return `J${digits}(${hkidCheckDigit('J', digits)})`
}
const enrol = (app: App, name: string, residentId = hkid()) =>
  app.inject({
    method: 'POST',
    url: '/v1/residents',
    headers: operator,
    // A face of its own each time (the fake engine knows 8 people), so that no duplicate search intervenes.
    payload: { residentId, name, dateOfBirth: '1990-05-01', photo: photoOf([{ axis: next % 8 }]) },
  })

const person = () => ({
  residentId: hkid(),
  name: 'Chan Tai Man',
  dateOfBirth: '1990-05-01',
  photo: photoOf([{ axis: 0 }]),
})

t.test('names that are blank or display falsely are refused; real names enrol in NFC, trimmed', async (t) => {
  const { app, store } = await buildTestApp(t)
  const refused: Array<[string, string]> = [
    ['only spaces', '   '],
    ['only zero-width spaces', '\u200B\u200B\u200B'],
    ['zero-width joiner inside', 'Chan\u200DTai Man'],
    ['a right-to-left override', 'Chan \u202Enam iaT'],
    ['bidi isolates', '\u2066Chan Tai Man\u2069'],
    ['DEL', 'Chan\u007FTai Man'],
    ['a C1 control (NEL)', 'Chan Tai Man\u0085'],
    ['a byte order mark', '\uFEFFChan Tai Man'],
    ['a lone high surrogate', 'Chan \uD800'],
    ['a lone low surrogate', '\uDC00Chan'],
    ['a line separator', 'Chan\u2028Tai Man'],
    ['a replacement character', 'Chan \uFFFD'],
    ['a private-use character', 'Chan \uE000'],
    ['no letter at all', "1234 - '"],
    ['a NUL', 'Chan\u0000Tai'],
  ]
  for (const [label, name] of refused) {
    const res = await enrol(app, name)
    t.equal(res.statusCode, 400, `${label}: 400`)
    t.equal(res.json().error.code, 'VALIDATION_FAILED', `${label}: VALIDATION_FAILED`)
  }
  t.equal((await store.listActiveTemplates()).length, 0, 'nobody enrolled')

  const accepted: Array<[string, string, string]> = [
    ['a Chinese name', '陳大文', '陳大文'],
    ['an apostrophe', "Siobhán O'Brien", "Siobhán O'Brien"],
    ['hyphens and spaces', 'Chan Ka-ho Anne-Marie', 'Chan Ka-ho Anne-Marie'],
    ['decomposed accents become NFC', 'Jose\u0301 Nguye\u0302\u0303n', 'José Nguyễn'],
    ['spaces trimmed and collapsed', '  Chan \u00A0 Tai   Man  ', 'Chan Tai Man'],
    ['an emoji beside letters', 'Chan Tai Man 😀', 'Chan Tai Man 😀'],
  ]
  for (const [label, name, stored] of accepted) {
    const residentId = hkid()
    const res = await enrol(app, name, residentId)
    t.equal(res.statusCode, 201, `${label}: 201`)
    t.equal((await store.getResident(residentId))?.name, stored, `${label}: stored as ${JSON.stringify(stored)}`)
  }
})

t.test(
  'VALIDATION_FAILED names the field and the rule, never the value; RESIDENT_ID_INVALID says which rule',
  async (t) => {
    const { app } = await buildTestApp(t)
    const secret = 'S3cr3t-Value-<script>'
    const cases: Array<[string, InjectOptions, RegExp]> = [
      [
        'a photo that is not base64',
        { method: 'POST', url: '/v1/residents', headers: operator, payload: { ...person(), photo: `${secret}` } },
        /^body\/photo must match pattern$/,
      ],
      [
        'a property the schema does not have',
        { method: 'POST', url: '/v1/residents', headers: operator, payload: { ...person(), [secret]: 1 } },
        /^body must not have other properties$/,
      ],
      [
        'a missing property',
        { method: 'POST', url: '/v1/residents', headers: operator, payload: { ...person(), dateOfBirth: undefined } },
        /^body must have property dateOfBirth$/,
      ],
      [
        'a name over 120 characters',
        { method: 'POST', url: '/v1/residents', headers: operator, payload: { ...person(), name: secret.repeat(9) } },
        /^body\/name must not have more than 120 characters$/,
      ],
      [
        'a resident id in the path that is not one',
        { method: 'GET', url: `/v1/residents/${encodeURIComponent(secret)}`, headers: operator },
        /^params\/residentId must (match pattern|not have more than 11 characters)$/,
      ],
      [
        'a query value outside its set',
        { method: 'GET', url: `/v1/stats?window=${encodeURIComponent(secret)}`, headers: operator },
        /^querystring\/window must match one of the allowed forms$/,
      ],
      [
        'a wrong type',
        {
          method: 'POST',
          url: '/v1/kiosk/jti',
          headers: kiosk,
          payload: { iss: 'https://test/immd', jti: 'j'.repeat(20), exp: secret },
        },
        /^body\/exp must be integer$/,
      ],
    ]
    for (const [label, request, message] of cases) {
      const res = await app.inject(request)
      t.equal(res.json().error.code, 'VALIDATION_FAILED', `${label}: code`)
      t.match(res.json().error.message, message, `${label}: ${res.json().error.message}`)
      t.notMatch(res.body, /S3cr3t|script|\^\[|\\\\d|must match pattern "/, `${label}: no value, no pattern`)
    }

    const checkDigit = await app.inject({
      method: 'GET',
      url: `/v1/residents/${encodeURIComponent('A123456(4)')}`,
      headers: operator,
    })
    t.equal(checkDigit.json().error.code, 'RESIDENT_ID_INVALID', 'a wrong check digit: RESIDENT_ID_INVALID')
    t.match(checkDigit.json().error.message, /check digit/, 'and it says the check digit is the problem')
    // Twin: the schema's example is a valid number, and the docs show it.
    const example = await app.inject({
      method: 'GET',
      url: `/v1/residents/${encodeURIComponent(HKID_EXAMPLE)}`,
      headers: operator,
    })
    t.equal(example.json().error.code, 'RESIDENT_NOT_FOUND', `the example ${HKID_EXAMPLE} passes both rules`)
    const docs = await app.inject({ method: 'GET', url: '/docs/json' })
    t.ok(docs.body.includes(`"example":"${HKID_EXAMPLE}"`), 'the OpenAPI document shows the example')
  },
)
