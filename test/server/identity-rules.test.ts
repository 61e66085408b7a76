import t from 'tap'
import { checkHkid, hkidCheckDigit, parseHkid } from '../../contract/hkid.ts'
import { requireHkid } from '../../server/domain/hkid.ts'
import { normaliseName } from '../../server/domain/person-name.ts'
import { ageInYears, eligibilityError } from '../../server/enrolment/eligibility.ts'
import type { AppError } from '../../server/errors.ts'
import { HKID_EXAMPLE } from '../../server/schemas/residents.ts'

t.test('HKID check digit', async (t) => {
  t.equal(hkidCheckDigit('A', '123456'), '3', 'the published example A123456(3)')
  t.equal(parseHkid('A123456(3)')?.canonical, 'A123456(3)')
  t.equal(parseHkid('a1234563')?.canonical, 'A123456(3)', 'lower case, no brackets')
  t.equal(parseHkid('A123456(4)'), null, 'wrong check digit')
  const two = `AB987654(${hkidCheckDigit('AB', '987654')})`
  t.equal(parseHkid(two)?.canonical, two, 'two-letter prefix')
  t.equal(parseHkid(two.replace('AB', 'AC')), null, 'two-letter prefix, wrong digit')
  // Find a number whose check digit is A, and one that is 0, to cover both ends of the mod-11 rule.
  const digitsFor = (want: string) =>
    [...Array(1000).keys()].map((n) => String(100000 + n)).find((d) => hkidCheckDigit('C', d) === want)!
  t.equal(parseHkid(`C${digitsFor('A')}(A)`)?.checkDigit, 'A')
  t.equal(parseHkid(`C${digitsFor('0')}(0)`)?.checkDigit, '0')
  for (const bad of ['', '123456(7)', 'ABC123456(7)', 'A12345(6)', 'A1234567(8)', 'A123456(B)'])
    t.equal(parseHkid(bad), null, bad)
})

t.test('age and eligibility', async (t) => {
  const today = new Date('2026-11-25T00:00:00Z')
  const policy = { minAgeYears: 11, adultAgeYears: 18 }
  t.equal(ageInYears('2015-11-25', today), 11, 'birthday today')
  t.equal(ageInYears('2015-11-26', today), 10, 'birthday tomorrow')
  t.equal(ageInYears('2023-02-29', today), null, 'no such date')
  t.equal(ageInYears('2030-01-01', today), null, 'future')
  t.equal(eligibilityError('1990-01-01', false, today, policy), null, 'adult')
  t.equal(eligibilityError('2015-11-25', true, today, policy), null, '11 with consent')
  t.equal(eligibilityError('2015-11-25', false, today, policy), 'GUARDIAN_CONSENT_REQUIRED')
  t.equal(eligibilityError('2015-11-26', true, today, policy), 'TOO_YOUNG')
  t.equal(eligibilityError('2008-11-25', false, today, policy), null, '18 today needs no consent')
  t.equal(eligibilityError('2008-11-26', false, today, policy), 'GUARDIAN_CONSENT_REQUIRED', '17')
  t.equal(eligibilityError('1880-01-01', false, today, policy), 'DATE_OF_BIRTH_INVALID')
})

t.test('names: NFC, trimmed, at least one letter, nothing hidden', async (t) => {
  t.equal(normaliseName('陳大文'), '陳大文')
  t.equal(normaliseName(" O'Brien-Chan  Tai "), "O'Brien-Chan Tai")
  t.equal(normaliseName('Jose\u0301'), 'José', 'NFC')
  t.equal(normaliseName('Jose\u0301'), normaliseName('José'), 'one name, one form')
  for (const bad of ['', ' ', '\u200B', 'A\u202EB', 'A\u007F', 'A\uD800', '\uDFFF', '42', 'A\u2029', 'A\uFFFD'])
    t.equal(normaliseName(bad), null, ascii(bad))
})

t.test('HKID: the format and the check digit are told apart; the schema example is valid', async (t) => {
  t.same(checkHkid('A123456(4)'), { ok: false, problem: 'check digit' })
  for (const bad of ['A12345(6)', 'ABC123456(7)', '123456(7)', ''])
    t.same(checkHkid(bad), { ok: false, problem: 'format' }, JSON.stringify(bad))
  t.equal(checkHkid(HKID_EXAMPLE).ok, true, `the schema's example ${HKID_EXAMPLE}`)
  t.equal(requireHkid('a1234563').canonical, 'A123456(3)')
  const refusal = (input: string) => {
    try {
      requireHkid(input)
    } catch (error) {
      return error as AppError
    }
    return null
  }
  t.equal(refusal('A123456(4)')?.code, 'RESIDENT_ID_INVALID')
  t.equal(refusal('A12345(6)')?.code, 'RESIDENT_ID_INVALID')
  t.not(refusal('A123456(4)')?.message, refusal('A12345(6)')?.message, 'the two refusals say different things')
})

/** A test name in printable ASCII: a raw U+2028/U+2029 would end the line in tap's output and break its parser. */
function ascii(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
