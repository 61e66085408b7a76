// Every error a client can see, with its stable code and HTTP status. Handlers throw AppError.

export const ERRORS = {
  VALIDATION_FAILED: 400,
  /** A multipart/form-data body whose Content-Type names no usable boundary (RFC 2046: 1 to 70 characters). */
  MULTIPART_BOUNDARY_INVALID: 400,
  /** A multipart body the parser cannot read: cut off, no closing boundary, a malformed part header. */
  MULTIPART_MALFORMED: 400,
  RESIDENT_ID_INVALID: 400,
  DATE_OF_BIRTH_INVALID: 400,
  TOO_YOUNG: 422,
  GUARDIAN_CONSENT_REQUIRED: 422,
  IMAGE_UNSUPPORTED: 415,
  IMAGE_TOO_LARGE: 413,
  IMAGE_CORRUPT: 422,
  FACE_NOT_FOUND: 422,
  FACE_MULTIPLE: 422,
  FACE_TOO_SMALL: 422,
  FACE_QUALITY_LOW: 422,
  FACE_SPOOF_SUSPECTED: 422,
  PHOTOS_NOT_SAME_PERSON: 422,
  DUPLICATE_FACE_REVIEW: 409,
  RESIDENT_EXISTS: 409,
  RESIDENT_NOT_FOUND: 404,
  RESIDENT_REVOKED: 410,
  TOKEN_NOT_FOUND: 404,
  TOKEN_REPLAYED: 409,
  EVENT_KIOSK_MISMATCH: 403,
  /** A clearance event whose reason is not one its decision can carry (contract/decision-reasons.ts). */
  EVENT_REASON_INVALID: 422,
  /** A clearance event ahead of the server's clock, or older than its route accepts (clearance-event-rules.ts). */
  EVENT_TIME_OUT_OF_RANGE: 422,
  /** An event id this kiosk already used for an event with other content (ids are unique per kiosk). */
  EVENT_ID_CONFLICT: 409,
  /** A kiosk outbox batch that does not start at the stored head + 1 (or skips a seq). */
  OUTBOX_GAP: 409,
  /** A recomputed hash, a link to the previous entry, or a resent seq that differs from what is stored. */
  OUTBOX_CHAIN_BROKEN: 409,
  /** An offline token claim that does not match its event's jtiHash. */
  OUTBOX_ENTRY_INVALID: 422,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  FACE_ENGINE_UNAVAILABLE: 503,
  ENROLMENT_BUSY: 503,
  TEMPLATE_UNREADABLE: 500,
  INTERNAL_ERROR: 500,
} as const

export type ErrorCode = keyof typeof ERRORS

export class AppError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  /** Positions (0-based) of the request's photos the error is about, for multi-photo enrolment. */
  readonly photoIndexes: number[] | undefined
  constructor(code: ErrorCode, message: string, options: { photoIndexes?: number[] } = {}) {
    super(message)
    this.name = 'AppError'
    this.code = code
    this.statusCode = ERRORS[code]
    this.photoIndexes = options.photoIndexes
  }
}

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && code in ERRORS
