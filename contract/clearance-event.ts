// The clearance event on the wire: what a kiosk reports for every decision (POST /v1/kiosk/events, and each
// outbox entry of POST /v1/kiosk/outbox). Defined once: the server validates against this schema, and the
// server's store, its statistics and the kiosk's client take their types from it.
import { Type, type Static } from 'typebox'
import { DECISIONS, REASON_CODES } from './decision-reasons.ts'
import { ID_PATTERNS } from './ids.ts'

const Millis = Type.Number({ minimum: 0, maximum: 600_000 })

/** Milliseconds per stage of one clearance, as the kiosk measured them. */
export const StageTimings = Type.Object(
  {
    decodeMs: Millis,
    verifyMs: Millis,
    detectMs: Millis,
    embedMs: Millis,
    livenessMs: Millis,
    matchMs: Millis,
    totalMs: Millis,
  },
  { additionalProperties: false },
)
export type StageTimings = Static<typeof StageTimings>

export const Channel = Type.Enum(['contactless', 'conventional'])
export type Channel = Static<typeof Channel>

export const ClearanceEvent = Type.Object(
  {
    eventId: Type.String({ pattern: ID_PATTERNS.eventId, description: 'unique per kiosk' }),
    kioskId: Type.String({ pattern: ID_PATTERNS.kioskId }),
    controlPoint: Type.String({ pattern: ID_PATTERNS.controlPoint }),
    channel: Channel,
    decision: Type.Enum(DECISIONS),
    reason: Type.Union([Type.Enum(REASON_CODES), Type.Null()], {
      description: 'null with APPROVE; a reject reason with REJECT, a refer reason with REFER_TO_OFFICER',
    }),
    score: Type.Union([Type.Number({ minimum: -1, maximum: 1 }), Type.Null()]),
    modelVersion: Type.Union([Type.String({ pattern: ID_PATTERNS.modelVersion }), Type.Null()]),
    kid: Type.Union([Type.String({ pattern: ID_PATTERNS.kid }), Type.Null()]),
    jtiHash: Type.Union([Type.String({ pattern: ID_PATTERNS.sha256Hex }), Type.Null()]),
    occurredAt: Type.Integer({ minimum: 0, maximum: 4_102_444_800_000, description: "epoch ms, the kiosk's clock" }),
    timings: StageTimings,
  },
  { additionalProperties: false },
)
export type ClearanceEvent = Static<typeof ClearanceEvent>
