import { Type, type Static } from 'typebox'

/** Who a bearer key belongs to: a client checks its key (and a kiosk its id) once at start-up. */
export const WhoamiResponse = Type.Object(
  {
    role: Type.Union([Type.Literal('operator'), Type.Literal('kiosk')]),
    kioskId: Type.Optional(Type.String({ description: 'the kiosk the key belongs to (role kiosk only)' })),
  },
  {
    $id: 'WhoamiResponse',
    additionalProperties: false,
    examples: [{ role: 'kiosk', kioskId: 'kiosk-1' }, { role: 'operator' }],
  },
)
export type WhoamiResponse = Static<typeof WhoamiResponse>
