// The QR token profile (mission.md, "Token profile"). Claims stay short so the QR stays small.

export const TOKEN_ALGORITHM = 'ES256' as const
/** Explicit `typ`, so that no other JWT the issuer signs can be replayed as a gate token. */
export const TOKEN_TYP = 'ecq+jwt'
export const MAX_TOKEN_CHARS = 1024
// The id formats are the wire contract's, shared with the server's schemas.
export { JTI_PATTERN, KID_PATTERN, SUBJECT_PATTERN } from '../contract/ids.ts'

export interface TokenClaims {
  iss: string
  aud: string
  sub: string
  jti: string
  iat: number
  nbf: number
  exp: number
}

export interface TokenPolicy {
  issuer: string
  audience: string
  /** Seconds of clock difference forgiven on exp, nbf and iat. */
  clockToleranceSec: number
  /** Longest exp - iat accepted. */
  maxLifetimeSec: number
}

// Short on purpose: every character of iss and aud is in every QR code.
export const DEFAULT_ISSUER = 'hk-immd'
export const DEFAULT_AUDIENCE = 'egate'

/** The gate's verification policy: 5 s of clock tolerance, lifetimes up to 10 minutes. */
export function gateTokenPolicy(issuer = DEFAULT_ISSUER, audience = DEFAULT_AUDIENCE): TokenPolicy {
  return { issuer, audience, clockToleranceSec: 5, maxLifetimeSec: 600 }
}
