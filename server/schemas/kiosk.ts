import { Type, type Static } from 'typebox'
import { ClearanceEvent } from '../../contract/clearance-event.ts'
import { ID_PATTERNS } from '../../contract/ids.ts'

export const SubjectParams = Type.Object(
  { subject: Type.String({ pattern: ID_PATTERNS.subject }) },
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
  {
    $id: 'TemplateResponse',
    additionalProperties: false,
    examples: [
      {
        subject: 'sub_5f0c1d2e3a4b',
        model: { name: 'human+faceapi-resnet', version: '1.7.15' },
        embedding: 'AACAPwAAAAA...',
        dimensions: 128,
        photos: 1,
      },
    ],
  },
)

export const JtiBody = Type.Object(
  {
    iss: Type.String({ pattern: ID_PATTERNS.issuer }),
    jti: Type.String({ pattern: ID_PATTERNS.jti }),
    exp: Type.Integer({ minimum: 1, maximum: 4_102_444_800 }),
  },
  { additionalProperties: false },
)
export type JtiBody = Static<typeof JtiBody>

export const JtiResponse = Type.Object({ consumed: Type.Literal(true) }, { additionalProperties: false })

export const EventBatchBody = Type.Object(
  { events: Type.Array(ClearanceEvent, { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
)
export type EventBatchBody = Static<typeof EventBatchBody>

export const EventBatchResponse = Type.Object(
  { accepted: Type.Integer(), duplicates: Type.Integer() },
  { additionalProperties: false },
)
