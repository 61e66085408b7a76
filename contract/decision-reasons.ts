// Gate outcomes and their stable reason codes (mission.md, "The flows"): the closed sets that the kiosk's
// decide() returns and that the server accepts in a clearance event.

export const REJECT_REASONS = [
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'TOKEN_NOT_YET_VALID',
  'TOKEN_REPLAYED',
  'TOKEN_REVOKED',
  'FACE_MISMATCH',
] as const

export const REFER_REASONS = [
  'QR_UNREADABLE',
  'NO_FACE',
  'MULTIPLE_FACES',
  // Live gate: the face captured is not the face seen while the phone was shown (or changed during capture).
  'FACE_CHANGED',
  'SPOOF_SUSPECTED',
  // Live gate: the matched face did not answer the random action it was asked for (turn, blink) in time, or
  // another face answered it (kiosk-sim/gate/liveness-challenge.ts).
  'LIVENESS_CHALLENGE_FAILED',
  'FACE_QUALITY_LOW',
  'STALE_KEYS',
  'TEMPLATE_MODEL_MISMATCH',
  'SERVER_UNAVAILABLE',
  // Offline mode refused (kiosk-sim/offline/offline-policy.ts): the server is unreachable and the kiosk may not
  // decide alone.
  'OFFLINE_NOT_ALLOWED',
  'CLOCK_UNTRUSTED',
  'REVOCATION_LIST_STALE',
  'OFFLINE_TEMPLATE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const

export const DECISIONS = ['APPROVE', 'REJECT', 'REFER_TO_OFFICER'] as const

export type RejectReason = (typeof REJECT_REASONS)[number]
export type ReferReason = (typeof REFER_REASONS)[number]

export type Decision =
  | { decision: 'APPROVE'; reason: null }
  | { decision: 'REJECT'; reason: RejectReason }
  | { decision: 'REFER_TO_OFFICER'; reason: ReferReason }

export type DecisionKind = Decision['decision']
export type ReasonCode = RejectReason | ReferReason

/** Every reason code, for a closed set in a schema. */
export const REASON_CODES: readonly ReasonCode[] = [...REJECT_REASONS, ...REFER_REASONS]

/** The reasons each decision may carry: an approval carries none. */
export const DECISION_REASONS: {
  readonly [K in DecisionKind]: ReadonlyArray<Extract<Decision, { decision: K }>['reason']>
} = {
  APPROVE: [null],
  REJECT: REJECT_REASONS,
  REFER_TO_OFFICER: REFER_REASONS,
}

/** True when the pair is one that decide() can return (APPROVE with no reason, REJECT and REFER with their own). */
export function isDecision(pair: { decision: DecisionKind; reason: ReasonCode | null }): pair is Decision {
  return (DECISION_REASONS[pair.decision] as ReadonlyArray<ReasonCode | null>).includes(pair.reason)
}
