import { Type, type Static } from 'typebox'

export const StreamSessionResponse = Type.Object(
  {
    expiresAt: Type.String({ description: 'ISO time at which the stream cookie stops working' }),
    streamUrl: Type.String(),
  },
  { additionalProperties: false },
)

export const StreamQuery = Type.Object(
  {
    window: Type.Optional(
      Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day'), Type.Literal('all')], {
        default: 'hour',
      }),
    ),
  },
  { additionalProperties: false },
)
export type StreamQuery = Static<typeof StreamQuery>
