import type { SigningKey } from '../../tokens/sign-token.ts'

export interface DatedSigningKey extends SigningKey {
  /** Epoch ms from which the key signs. */
  createdAt: number
}

export interface KeyRing {
  /** The newest key that is already valid: it signs new tokens. */
  active: DatedSigningKey
  /** Keys kiosks may verify with: the active one and superseded ones still inside the overlap window. */
  published: DatedSigningKey[]
  /** Superseded keys past the overlap: no longer published, so kiosks drop them on their next refresh. */
  retired: DatedSigningKey[]
}

/**
 * Pure rotation rule. A key superseded at time S stays published until S + overlapMs, which must cover the
 * longest token lifetime plus the kiosks' key-refresh interval, so that no token signed just before the
 * rotation fails to verify.
 */
export function keyRingAt(keys: readonly DatedSigningKey[], nowMs: number, overlapMs: number): KeyRing {
  const usable = keys.filter((k) => k.createdAt <= nowMs).sort((a, b) => b.createdAt - a.createdAt)
  const active = usable[0]
  if (!active) throw new Error('no signing key is valid yet')
  const published: DatedSigningKey[] = [active]
  const retired: DatedSigningKey[] = []
  for (let i = 1; i < usable.length; i++) {
    const supersededAt = usable[i - 1]!.createdAt
    if (nowMs < supersededAt + overlapMs) published.push(usable[i]!)
    else retired.push(usable[i]!)
  }
  return { active, published, retired }
}
