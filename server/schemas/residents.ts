import { Type, type Static } from 'typebox'
import { NAME_PATTERN } from '../domain/person-name.ts'

export const HKID_INPUT_PATTERN = '^[A-Za-z]{1,2}[0-9]{6}\\(?[0-9Aa]\\)?$'

/** A valid number (the check digit of A123456 is 3; test/server/identity-rules.test.ts checks it). */
export const HKID_EXAMPLE = 'A123456(3)'

/** The schema of an HKID as a request gives it: the format here, the check digit in the handler. */
const ResidentId = Type.String({
  pattern: HKID_INPUT_PATTERN,
  maxLength: 11,
  description: 'Hong Kong identity card number with its check digit; brackets optional',
  examples: [HKID_EXAMPLE],
})

/** Most photos one enrolment takes (models/README.md: the multi-photo study measured up to 3). */
export const MAX_ENROLMENT_PHOTOS = 3

const PhotoBase64 = Type.String({
  minLength: 16,
  maxLength: 14_000_000,
  pattern: '^[A-Za-z0-9+/=\\r\\n]+$',
  description: 'JPEG, PNG or WebP, base64',
})

export const EnrolmentBody = Type.Object(
  {
    residentId: ResidentId,
    name: Type.String({
      minLength: 1,
      maxLength: 120,
      pattern: NAME_PATTERN,
      description: 'at least one letter; no control, format (bidi, zero-width) or unpaired surrogate characters',
    }),
    dateOfBirth: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10 }),
    guardianConsent: Type.Optional(Type.Boolean({ default: false })),
    photo: Type.Optional(PhotoBase64),
    photos: Type.Optional(
      Type.Array(PhotoBase64, {
        minItems: 1,
        maxItems: MAX_ENROLMENT_PHOTOS,
        description:
          `1 to ${MAX_ENROLMENT_PHOTOS} photos of the same person; the template is the mean of their descriptors. ` +
          'Give photo or photos, not both.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type EnrolmentBody = Static<typeof EnrolmentBody>

export const ResidentParams = Type.Object({ residentId: ResidentId }, { additionalProperties: false })
export type ResidentParams = Static<typeof ResidentParams>

export const ResidentView = Type.Object(
  {
    residentId: Type.String(),
    name: Type.String(),
    dateOfBirth: Type.String(),
    guardianConsent: Type.Boolean(),
    status: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
    enrolledAt: Type.String(),
    revokedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
)

export const EnrolmentResponse = Type.Object(
  {
    resident: ResidentView,
    model: Type.Object({ name: Type.String(), version: Type.String() }),
    credential: Type.String({ description: 'Shown once; the resident uses it to request QR tokens.' }),
    photos: Type.Integer({ minimum: 1, description: 'photos that went into the template (their mean)' }),
    faces: Type.Array(
      Type.Object(
        {
          photoIndex: Type.Integer({ minimum: 0 }),
          detectorScore: Type.Number({ description: 'detector confidence, 0..1' }),
          faceSizePx: Type.Number({ description: 'shorter side of the face box, pixels' }),
          box: Type.Array(Type.Number(), { minItems: 4, maxItems: 4, description: 'x, y, width, height in pixels' }),
          antispoof: Type.Union([Type.Number(), Type.Null()]),
          liveness: Type.Union([Type.Number(), Type.Null()]),
        },
        { additionalProperties: false },
      ),
      { description: 'the face found in each photo, as the engine saw it' },
    ),
  },
  {
    $id: 'EnrolmentResponse',
    additionalProperties: false,
    examples: [
      {
        resident: {
          residentId: HKID_EXAMPLE,
          name: 'Chan Tai Man',
          dateOfBirth: '1990-05-01',
          guardianConsent: false,
          status: 'active',
          enrolledAt: '2026-12-06T07:30:00.000Z',
          revokedAt: null,
        },
        model: { name: 'human+faceapi-resnet', version: '1.7.15' },
        credential: 'rc_3q2+7w...',
        photos: 1,
        faces: [
          {
            photoIndex: 0,
            detectorScore: 0.93,
            faceSizePx: 212,
            box: [74, 96, 212, 240],
            antispoof: 0.91,
            liveness: 0.88,
          },
        ],
      },
    ],
  },
)

export const CredentialResponse = Type.Object({ credential: Type.String() }, { additionalProperties: false })
