// The server's use of the HKID rules (contract/hkid.ts): a wrong number is a client error with a stable code.
import { checkHkid, type ParsedHkid } from '../../contract/hkid.ts'
import { AppError } from '../errors.ts'

/** The parsed number; RESIDENT_ID_INVALID saying whether the format or the check digit is wrong. */
export function requireHkid(input: string): ParsedHkid {
  const check = checkHkid(input)
  if (check.ok) return check.hkid
  throw new AppError(
    'RESIDENT_ID_INVALID',
    check.problem === 'format'
      ? 'resident id is not in the HKID format: one or two letters, six digits, a check digit (e.g. A123456(3))'
      : 'resident id has a check digit that does not match its letters and digits',
  )
}
