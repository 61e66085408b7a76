import { Type, type Static } from 'typebox'
import { ClearanceEvent } from '../../contract/clearance-event.ts'
import { ID_PATTERNS } from '../../contract/ids.ts'

const Hash = Type.String({ pattern: ID_PATTERNS.sha256Hex })
const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })

export const OfflineJtiClaimBody = Type.Object(
  {
    iss: Type.String({ pattern: ID_PATTERNS.issuer }),
    jti: Type.String({ pattern: ID_PATTERNS.jti }),
    exp: Type.Integer({ minimum: 1, maximum: 4_102_444_800 }),
    sub: Type.String({ pattern: ID_PATTERNS.subject }),
  },
  { additionalProperties: false },
)

export const OutboxEntryBody = Type.Object(
  {
    seq: Seq,
    prevHash: Hash,
    hash: Hash,
    event: ClearanceEvent,
    /** Present when the kiosk consumed the token id itself, offline; the server consumes it at sync. */
    jti: Type.Optional(Type.Union([OfflineJtiClaimBody, Type.Null()])),
  },
  { additionalProperties: false },
)
export type OutboxEntryBody = Static<typeof OutboxEntryBody>

export const OutboxBatchBody = Type.Object(
  {
    kioskId: Type.String({ pattern: ID_PATTERNS.kioskId }),
    events: Type.Array(OutboxEntryBody, { minItems: 1, maxItems: 1000 }),
  },
  { additionalProperties: false },
)
export type OutboxBatchBody = Static<typeof OutboxBatchBody>

const Head = Type.Object({ seq: Type.Integer({ minimum: 0 }), hash: Hash }, { additionalProperties: false })

export const OutboxAckResponse = Type.Object(
  {
    acknowledged: Head,
    stored: Type.Integer(),
    alreadyStored: Type.Integer(),
    flagged: Type.Integer({
      description: 'offline decisions flagged by this batch (token id used twice, subject revoked)',
    }),
  },
  { additionalProperties: false },
)

export const OutboxHeadResponse = Head

export const RevocationListResponse = Type.Object(
  {
    generatedAt: Type.Integer({ description: 'server clock, epoch ms, read before the list' }),
    revokedSubjects: Type.Array(Type.String()),
  },
  { additionalProperties: false },
)

export const OfflineFlagsQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) },
  { additionalProperties: false },
)

export const OfflineFlagsResponse = Type.Object(
  {
    flags: Type.Array(
      Type.Object(
        {
          kind: Type.Union([Type.Literal('JTI_DOUBLE_USE'), Type.Literal('REVOKED_AT_USE')]),
          kioskId: Type.String(),
          seq: Type.Integer(),
          eventId: Type.String(),
          jtiHash: Type.String(),
          otherKioskId: Type.Union([Type.String(), Type.Null()]),
          flaggedAt: Type.Integer(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
