// Hostile enrolment input that passes a naive schema: names that are blank or display falsely. Every refusal
// has a twin: real names (Chinese, apostrophes, hyphens, spaces) enrol and are stored in one normal form.
import t from 'tap'
import { hkidCheckDigit } from '../../server/domain/hkid.ts'
import { photoOf } from '../helpers/fake-engine.ts'
import { buildTestApp, operator } from '../helpers/test-app.ts'

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
