import { randomBytes, type KeyObject } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { TOKEN_ALGORITHM, TOKEN_TYP, type TokenClaims } from './token-profile.ts'

export interface SigningKey {
  kid: string
  /** A KeyObject, not a PEM string: signing is about 10x faster. */
  privateKey: KeyObject
  publicKey: KeyObject
}

export interface TokenRequest {
  issuer: string
  audience: string
  subject: string
  lifetimeSec: number
  nowSec: number
}

/** 96 random bits, base64url: unguessable and short. */
export function newTokenId(): string {
  return randomBytes(12).toString('base64url')
}

export function signToken(
  request: TokenRequest,
  key: SigningKey,
  jti = newTokenId(),
): { token: string; claims: TokenClaims } {
  const claims: TokenClaims = {
    iss: request.issuer,
    aud: request.audience,
    sub: request.subject,
    jti,
    iat: request.nowSec,
    nbf: request.nowSec,
    exp: request.nowSec + request.lifetimeSec,
  }
  const token = jwt.sign(claims, key.privateKey, {
    algorithm: TOKEN_ALGORITHM,
    header: { alg: TOKEN_ALGORITHM, typ: TOKEN_TYP, kid: key.kid },
  })
  return { token, claims }
}
