// Pure: may the kiosk trust its own wall clock while it cannot ask the server? Offline, token expiry and
// event times rest on that clock alone, so a clock set back (to revive expired tokens) or drifting away
// must stop offline work.

/** What the kiosk noted at its last successful contact with the server. */
export interface ServerContact {
  /** The server's clock in its reply, epoch ms. */
  serverTimeMs: number
  /**
   * The kiosk's monotonic clock when the reply arrived (performance.now(): it cannot be set, and restarts with the
   * process).
   */
  monotonicMs: number
}

export interface KioskClocks {
  wallMs: number
  monotonicMs: number
}

export type ClockVerdict =
  { trusted: true } | { trusted: false; why: 'no-contact' | 'monotonic-reset' | 'skew' | 'rollback' }

/**
 * Wall time elapsed since the contact, measured from the server's clock, must agree with the monotonic
 * time elapsed, within `toleranceMs` (this catches a skewed clock and one moved either way since); and the
 * wall clock must not be before the last event the kiosk wrote (a rollback across a restart).
 */
export function checkClock(
  contact: ServerContact | null,
  now: KioskClocks,
  lastEventAtMs: number | null,
  toleranceMs: number,
): ClockVerdict {
  if (!contact) return { trusted: false, why: 'no-contact' }
  const monotonicElapsed = now.monotonicMs - contact.monotonicMs
  // A smaller monotonic reading means another process: the contact is from an earlier run.
  if (monotonicElapsed < 0) return { trusted: false, why: 'monotonic-reset' }
  if (lastEventAtMs !== null && now.wallMs < lastEventAtMs) return { trusted: false, why: 'rollback' }
  const wallElapsed = now.wallMs - contact.serverTimeMs
  if (Math.abs(wallElapsed - monotonicElapsed) > toleranceMs) return { trusted: false, why: 'skew' }
  return { trusted: true }
}

/** The server's time now, estimated from the contact and the monotonic clock (never from the wall clock). */
export function serverTimeNow(contact: ServerContact, monotonicNowMs: number): number {
  return contact.serverTimeMs + (monotonicNowMs - contact.monotonicMs)
}
