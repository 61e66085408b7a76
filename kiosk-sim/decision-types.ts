// Gate outcomes and their stable reason codes (mission.md, "The flows").

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
  'FACE_QUALITY_LOW',
  'STALE_KEYS',
  'TEMPLATE_MODEL_MISMATCH',
  'SERVER_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const

export type RejectReason = (typeof REJECT_REASONS)[number]
export type ReferReason = (typeof REFER_REASONS)[number]

export type Decision =
  | { decision: 'APPROVE'; reason: null }
  | { decision: 'REJECT'; reason: RejectReason }
  | { decision: 'REFER_TO_OFFICER'; reason: ReferReason }

export type DecisionKind = Decision['decision']
export type ReasonCode = RejectReason | ReferReason
