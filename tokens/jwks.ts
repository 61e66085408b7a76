import { createHash, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto'
import { KID_PATTERN, TOKEN_ALGORITHM } from './token-profile.ts'
import type { SigningKey } from './sign-token.ts'

export interface PublicJwk extends JsonWebKey {
  kid: string
  kty: 'EC'
  crv: 'P-256'
  x: string
  y: string
  use: 'sig'
  alg: typeof TOKEN_ALGORITHM
}

export interface Jwks {
  keys: PublicJwk[]
}

/** A fresh P-256 key whose kid is a short thumbprint of the public key. */
export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return { kid: thumbprintKid(publicKey), privateKey, publicKey }
}

export function thumbprintKid(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' })
  // RFC 7638 member order for EC keys.
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 12)
}

export function toPublicJwk(key: Pick<SigningKey, 'kid' | 'publicKey'>): PublicJwk {
  const jwk = key.publicKey.export({ format: 'jwk' })
  return { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y!, kid: key.kid, use: 'sig', alg: TOKEN_ALGORITHM }
}

/** Builds the kiosk's key map from a JWKS body; entries that are not P-256 signing keys are skipped. */
export function keysFromJwks(body: unknown): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>()
  const list = (body as { keys?: unknown })?.keys
  if (!Array.isArray(list)) return keys
  for (const entry of list) {
    if (!entry || typeof entry !== 'object') continue
    const { kty, crv, x, y, kid, use, alg } = entry as Record<string, unknown>
    if (kty !== 'EC' || crv !== 'P-256' || typeof x !== 'string' || typeof y !== 'string') continue
    if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) continue
    if ((use !== undefined && use !== 'sig') || (alg !== undefined && alg !== TOKEN_ALGORITHM)) continue
    try {
      keys.set(kid, createPublicKey({ key: { kty, crv, x, y }, format: 'jwk' }))
    } catch {
      // A malformed point is skipped like any other unusable entry.
    }
  }
  return keys
}
