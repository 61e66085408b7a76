import { createHash, randomBytes } from 'node:crypto'

// A 256-bit random secret needs no slow hash: SHA-256 makes the stored value useless to a thief.
export function newResidentCredential(): { credential: string; hash: string } {
  const credential = `rc_${randomBytes(32).toString('base64url')}`
  return { credential, hash: hashCredential(credential) }
}

export function hashCredential(credential: string): string {
  return createHash('sha256').update(credential).digest('hex')
}

/** Opaque subject for tokens: never the identity card number. */
export function newSubject(): string {
  return randomBytes(12).toString('base64url')
}
