import { Type, type Static } from 'typebox'
import { ID_PATTERNS } from '../../contract/ids.ts'

export const StatsQuery = Type.Object(
  {
    window: Type.Optional(
      Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day'), Type.Literal('all')], {
        default: 'all',
      }),
    ),
    kioskId: Type.Optional(Type.String({ pattern: ID_PATTERNS.kioskId })),
    controlPoint: Type.Optional(Type.String({ pattern: ID_PATTERNS.controlPoint })),
  },
  { additionalProperties: false },
)
export type StatsQuery = Static<typeof StatsQuery>

const NullableNumber = Type.Union([Type.Number(), Type.Null()])
const Percentiles = Type.Object({ p50: NullableNumber, p95: NullableNumber, p99: NullableNumber })
const Counts = Type.Record(Type.String(), Type.Integer())

export const StatsResponse = Type.Object({
  window: Type.Object({ name: Type.String(), fromMs: Type.Number(), toMs: Type.Number() }),
  events: Type.Integer(),
  throughput: Type.Object({ lastMinute: Type.Integer(), lastHour: Type.Integer(), perSecondOverWindow: Type.Number() }),
  decisions: Counts,
  reasons: Counts,
  latencyMs: Type.Record(Type.String(), Percentiles),
  share: Type.Object({
    contactless: Type.Integer(),
    conventional: Type.Integer(),
    contactlessShare: NullableNumber,
    reference: Type.Number(),
  }),
  byKiosk: Counts,
  byControlPoint: Counts,
})
