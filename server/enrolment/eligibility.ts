import type { EnrolmentPolicy } from '../config.ts'
import type { ErrorCode } from '../errors.ts'

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/

/** Whole years between a YYYY-MM-DD birth date and today (UTC), or null when the date is not a real date. */
export function ageInYears(dateOfBirth: string, today: Date): number | null {
  const match = DATE_PATTERN.exec(dateOfBirth)
  if (!match) return null
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const birth = new Date(Date.UTC(year, month - 1, day))
  if (birth.getUTCFullYear() !== year || birth.getUTCMonth() !== month - 1 || birth.getUTCDate() !== day) return null
  if (birth.getTime() > today.getTime()) return null
  let age = today.getUTCFullYear() - year
  const beforeBirthday =
    today.getUTCMonth() < month - 1 || (today.getUTCMonth() === month - 1 && today.getUTCDate() < day)
  if (beforeBirthday) age--
  return age
}

/** Residents aged 11 or over may enrol; 11 to 17 only with a guardian's consent (mission.md). */
export function eligibilityError(
  dateOfBirth: string,
  guardianConsent: boolean,
  today: Date,
  policy: Pick<EnrolmentPolicy, 'minAgeYears' | 'adultAgeYears'>,
): ErrorCode | null {
  const age = ageInYears(dateOfBirth, today)
  if (age === null || age > 130) return 'DATE_OF_BIRTH_INVALID'
  if (age < policy.minAgeYears) return 'TOO_YOUNG'
  if (age < policy.adultAgeYears && !guardianConsent) return 'GUARDIAN_CONSENT_REQUIRED'
  return null
}

/** What the operator reads for each refusal: the rule, with the policy's own ages. */
export function eligibilityMessage(
  code: ErrorCode,
  policy: Pick<EnrolmentPolicy, 'minAgeYears' | 'adultAgeYears'>,
): string {
  if (code === 'DATE_OF_BIRTH_INVALID') return 'dateOfBirth is not a real date within the last 130 years'
  if (code === 'TOO_YOUNG') return `residents under ${policy.minAgeYears} cannot enrol`
  if (code === 'GUARDIAN_CONSENT_REQUIRED')
    return `residents under ${policy.adultAgeYears} need guardianConsent: true (a guardian's consent)`
  return 'resident is not eligible'
}
