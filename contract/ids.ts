// The identifier formats of the wire contract, as pattern strings (for the JSON schemas, which ajv compiles) and
// as RegExps built from the same strings (for code): one definition for the server's schemas and the token rules.

export const ID_PATTERNS = {
  /** A signing key id (JWT header `kid`). */
  kid: '^[A-Za-z0-9_-]{1,64}$',
  /** A token id (JWT `jti`), also the path of an issued token's QR. */
  jti: '^[A-Za-z0-9_-]{16,64}$',
  /** A token's opaque subject (JWT `sub`): never the identity card number. */
  subject: '^[A-Za-z0-9_-]{8,64}$',
  /** A token issuer (JWT `iss`): printable ASCII, no spaces. */
  issuer: '^[\\x21-\\x7e]{1,200}$',
  kioskId: '^[A-Za-z0-9_-]{1,64}$',
  controlPoint: '^[A-Za-z0-9_-]{1,64}$',
  /** A clearance event id: a UUID, lower case as crypto.randomUUID() writes it, so that one id has one spelling. */
  eventId: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  /** SHA-256 in lower-case hex: a token id's hash in an event, an outbox chain hash. */
  sha256Hex: '^[a-f0-9]{64}$',
  /** The face model version an event was decided with: printable ASCII, no spaces. */
  modelVersion: '^[\\x21-\\x7e]{1,64}$',
} as const

export const KID_PATTERN = new RegExp(ID_PATTERNS.kid)
export const JTI_PATTERN = new RegExp(ID_PATTERNS.jti)
export const SUBJECT_PATTERN = new RegExp(ID_PATTERNS.subject)
export const KIOSK_ID_PATTERN = new RegExp(ID_PATTERNS.kioskId)
export const EVENT_ID_PATTERN = new RegExp(ID_PATTERNS.eventId)
