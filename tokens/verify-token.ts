import type { KeyObject } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { hasCriticalHeader, segmentsAreUtf8 } from './strict-jws.ts'
import {
  JTI_PATTERN,
  KID_PATTERN,
  MAX_TOKEN_CHARS,
  SUBJECT_PATTERN,
  TOKEN_ALGORITHM,
  TOKEN_TYP,
  type TokenClaims,
  type TokenPolicy,
} from './token-profile.ts'

export type TokenFailure = 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_NOT_YET_VALID'

export type TokenCheck =
  | { ok: true; claims: TokenClaims; kid: string }
  | {
      ok: false
      reason: TokenFailure
      detail: string
      /**
       * Set when the token names a well-formed kid that is not in the key set: the keys may have rotated since the
       * last fetch, so the caller may refetch them and verify again. Absent for every other failure.
       */
      unknownKid?: string
    }

const fail = (reason: TokenFailure, detail: string): TokenCheck => ({ ok: false, reason, detail })

/**
 * Offline verification: signature with a key looked up by `kid`, algorithm pinned, every claim enforced.
 * Never throws: whatever the library raises becomes a rejection.
 */
export function verifyToken(
  token: string,
  keys: ReadonlyMap<string, KeyObject>,
  policy: TokenPolicy,
  nowSec: number,
): TokenCheck {
  try {
    return verifyOrFail(token, keys, policy, nowSec)
  } catch (error) {
    return fail('TOKEN_INVALID', `unexpected: ${(error as Error)?.name ?? 'error'}`)
  }
}

function verifyOrFail(
  token: string,
  keys: ReadonlyMap<string, KeyObject>,
  policy: TokenPolicy,
  nowSec: number,
): TokenCheck {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_CHARS) {
    return fail('TOKEN_INVALID', 'token length')
  }
  if (!segmentsAreUtf8(token)) return fail('TOKEN_INVALID', 'not UTF-8')
  const decoded = jwt.decode(token, { complete: true })
  if (!decoded || typeof decoded.header !== 'object') return fail('TOKEN_INVALID', 'not a JWT')
  if (hasCriticalHeader(decoded.header)) return fail('TOKEN_INVALID', 'crit')
  const { alg, typ, kid } = decoded.header
  if (alg !== TOKEN_ALGORITHM) return fail('TOKEN_INVALID', 'algorithm')
  if (typ !== TOKEN_TYP) return fail('TOKEN_INVALID', 'typ')
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) return fail('TOKEN_INVALID', 'kid format')
  const key = keys.get(kid)
  if (!key) return { ok: false, reason: 'TOKEN_INVALID', detail: 'unknown kid', unknownKid: kid }

  let payload: unknown
  try {
    payload = jwt.verify(token, key, {
      algorithms: [TOKEN_ALGORITHM],
      issuer: policy.issuer,
      audience: policy.audience,
      clockTimestamp: nowSec,
      clockTolerance: policy.clockToleranceSec,
    })
  } catch (error) {
    const name = (error as Error)?.name
    if (name === 'TokenExpiredError') return fail('TOKEN_EXPIRED', 'exp')
    if (name === 'NotBeforeError') return fail('TOKEN_NOT_YET_VALID', 'nbf')
    return fail('TOKEN_INVALID', 'signature or claims')
  }
  return checkClaims(payload, kid, policy, nowSec)
}

/** jsonwebtoken accepts tokens without exp, iat or nbf: every claim is required here. */
function checkClaims(payload: unknown, kid: string, policy: TokenPolicy, nowSec: number): TokenCheck {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return fail('TOKEN_INVALID', 'payload')
  const claims = payload as Record<string, unknown>
  const { iss, aud, sub, jti, iat, nbf, exp } = claims
  if (typeof iss !== 'string' || typeof aud !== 'string') return fail('TOKEN_INVALID', 'iss/aud')
  if (typeof sub !== 'string' || !SUBJECT_PATTERN.test(sub)) return fail('TOKEN_INVALID', 'sub')
  if (typeof jti !== 'string' || !JTI_PATTERN.test(jti)) return fail('TOKEN_INVALID', 'jti')
  if (!isWholeSeconds(iat) || !isWholeSeconds(nbf) || !isWholeSeconds(exp)) return fail('TOKEN_INVALID', 'time claims')
  const tolerance = policy.clockToleranceSec
  if (iat > nowSec + tolerance) return fail('TOKEN_INVALID', 'iat in the future')
  if (exp <= iat || exp - iat > policy.maxLifetimeSec) return fail('TOKEN_INVALID', 'lifetime')
  if (nbf < iat - tolerance || nbf >= exp) return fail('TOKEN_INVALID', 'nbf')
  // jsonwebtoken already checked exp/nbf, but with its own rounding; restate the rule explicitly.
  if (nowSec >= exp + tolerance) return fail('TOKEN_EXPIRED', 'exp')
  if (nowSec + tolerance < nbf) return fail('TOKEN_NOT_YET_VALID', 'nbf')
  return { ok: true, kid, claims: { iss, aud, sub, jti, iat, nbf, exp } }
}

function isWholeSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}
