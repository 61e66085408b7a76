import { Type, type Static } from 'typebox'

const Id = (maxLength: number) => Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength })
const Millis = Type.Number({ minimum: 0, maximum: 600_000 })

export const SubjectParams = Type.Object(
  { subject: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' }) },
  { additionalProperties: false },
)
export type SubjectParams = Static<typeof SubjectParams>

export const TemplateResponse = Type.Object(
  {
    subject: Type.String(),
    model: Type.Object({ name: Type.String(), version: Type.String() }),
    embedding: Type.String({ description: 'little-endian float32, base64' }),
    dimensions: Type.Integer(),
    photos: Type.Integer({
      minimum: 1,
      description: 'enrolment photos the template is the mean of; the gate picks its threshold by it',
    }),
  },
  { additionalProperties: false },
)

export const JtiBody = Type.Object(
  {
    iss: Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' }),
    jti: Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' }),
    exp: Type.Integer({ minimum: 1, maximum: 4_102_444_800 }),
  },
  { additionalProperties: false },
)
export type JtiBody = Static<typeof JtiBody>

export const JtiResponse = Type.Object({ consumed: Type.Literal(true) }, { additionalProperties: false })

export const Timings = Type.Object(
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

export const ClearanceEventBody = Type.Object(
  {
    eventId: Type.String({ format: 'uuid' }),
    kioskId: Id(64),
    controlPoint: Id(64),
    channel: Type.Union([Type.Literal('contactless'), Type.Literal('conventional')]),
    decision: Type.Union([Type.Literal('APPROVE'), Type.Literal('REJECT'), Type.Literal('REFER_TO_OFFICER')]),
    reason: Type.Union([Type.String({ pattern: '^[A-Z_]{2,40}$' }), Type.Null()]),
    score: Type.Union([Type.Number({ minimum: -1, maximum: 1 }), Type.Null()]),
    modelVersion: Type.Union([Type.String({ maxLength: 64, pattern: '^[\\x21-\\x7e]+$' }), Type.Null()]),
    kid: Type.Union([Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), Type.Null()]),
    jtiHash: Type.Union([Type.String({ pattern: '^[a-f0-9]{64}$' }), Type.Null()]),
    occurredAt: Type.Integer({ minimum: 0, maximum: 4_102_444_800_000 }),
    timings: Timings,
  },
  { additionalProperties: false },
)
export type ClearanceEventBody = Static<typeof ClearanceEventBody>

export const EventBatchBody = Type.Object(
  { events: Type.Array(ClearanceEventBody, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
)
export type EventBatchBody = Static<typeof EventBatchBody>

export const EventBatchResponse = Type.Object(
  { accepted: Type.Integer(), duplicates: Type.Integer() },
  { additionalProperties: false },
)
