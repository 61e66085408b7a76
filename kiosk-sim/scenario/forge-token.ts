import { generateKeyPairSync } from 'node:crypto'
import jwt from 'jsonwebtoken'

/** An attacker's copy of a real token: same header (kid included) and claims, signed with the attacker's key. */
export function forgeToken(genuine: string): string {
  const decoded = jwt.decode(genuine, { complete: true })
  if (!decoded || typeof decoded.payload !== 'object') throw new Error('not a JWT')
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return jwt.sign(decoded.payload, privateKey, { algorithm: 'ES256', header: decoded.header })
}
