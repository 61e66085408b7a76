// Pure: may this kiosk decide without the server right now? Each "no" names a stable reason code, and the
// passenger is referred to an officer with it (the gate fails closed).
import { checkClock, serverTimeNow, type KioskClocks, type ServerContact } from './clock-trust.ts'

export interface OfflineLimits {
  enabled: boolean
  /** Oldest revocation list the kiosk may still decide with, measured on the server's clock. */
  maxRevocationAgeMs: number
  /** Allowed disagreement between the wall clock and the server-anchored monotonic clock. */
  clockToleranceMs: number
}

/**
 * Offline work for at most 10 minutes of revocation-list age (the key set's own limit is 15), 5 s of clock
 * disagreement.
 */
export const DEFAULT_OFFLINE_LIMITS: OfflineLimits = {
  enabled: true,
  maxRevocationAgeMs: 10 * 60_000,
  clockToleranceMs: 5_000,
}

export interface OfflineSituation {
  contact: ServerContact | null
  /** The revocation list's generatedAt (server clock), null when the kiosk has none. */
  revocationListGeneratedAtMs: number | null
  keysFresh: boolean
  lastEventAtMs: number | null
  now: KioskClocks
}

export type OfflineRefusal = 'OFFLINE_NOT_ALLOWED' | 'CLOCK_UNTRUSTED' | 'REVOCATION_LIST_STALE' | 'STALE_KEYS'

export type OfflineVerdict = { allowed: true } | { allowed: false; reason: OfflineRefusal }

export function offlineVerdict(situation: OfflineSituation, limits: OfflineLimits): OfflineVerdict {
  const refuse = (reason: OfflineRefusal): OfflineVerdict => ({ allowed: false, reason })
  if (!limits.enabled || !situation.contact) return refuse('OFFLINE_NOT_ALLOWED')
  if (!checkClock(situation.contact, situation.now, situation.lastEventAtMs, limits.clockToleranceMs).trusted)
    return refuse('CLOCK_UNTRUSTED')
  if (!situation.keysFresh) return refuse('STALE_KEYS')
  if (situation.revocationListGeneratedAtMs === null) return refuse('REVOCATION_LIST_STALE')
  const ageMs = serverTimeNow(situation.contact, situation.now.monotonicMs) - situation.revocationListGeneratedAtMs
  if (ageMs > limits.maxRevocationAgeMs) return refuse('REVOCATION_LIST_STALE')
  return { allowed: true }
}
