// Hong Kong identity card number: one or two letters, six digits, a check digit (0-9 or A).
// The check digit makes the weighted sum (letters A=10..Z=35, a missing first letter counts 36) divisible by 11.

const HKID_PATTERN = /^([A-Z]{1,2})([0-9]{6})\(?([0-9A])\)?$/

export interface ParsedHkid {
  /** Canonical form, e.g. "A123456(3)". */
  canonical: string
  prefix: string
  digits: string
  checkDigit: string
}

export function hkidCheckDigit(prefix: string, digits: string): string {
  const letters = prefix.length === 1 ? [36, letterValue(prefix)] : [letterValue(prefix[0]!), letterValue(prefix[1]!)]
  let sum = letters[0]! * 9 + letters[1]! * 8
  for (let i = 0; i < 6; i++) sum += Number(digits[i]) * (7 - i)
  const check = (11 - (sum % 11)) % 11
  return check === 10 ? 'A' : String(check)
}

export type HkidCheck = { ok: true; hkid: ParsedHkid } | { ok: false; problem: 'format' | 'check digit' }

/** The parsed number, or which of the two rules it breaks. */
export function checkHkid(input: string): HkidCheck {
  const match = HKID_PATTERN.exec(input.trim().toUpperCase())
  if (!match) return { ok: false, problem: 'format' }
  const [, prefix, digits, checkDigit] = match as unknown as [string, string, string, string]
  if (hkidCheckDigit(prefix, digits) !== checkDigit) return { ok: false, problem: 'check digit' }
  return { ok: true, hkid: { canonical: `${prefix}${digits}(${checkDigit})`, prefix, digits, checkDigit } }
}

/** Returns the parsed number, or null when the format or the check digit is wrong. */
export function parseHkid(input: string): ParsedHkid | null {
  const check = checkHkid(input)
  return check.ok ? check.hkid : null
}

function letterValue(letter: string): number {
  return letter.charCodeAt(0) - 55
}
