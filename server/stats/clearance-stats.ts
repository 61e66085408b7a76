import { CONTACTLESS_SHARE_REFERENCE } from '../../contract/contactless-share.ts'
import { summarise, type Percentiles } from '../../lib/percentiles.ts'
import type { StageTimings, StoredClearanceEvent } from '../store/store.ts'

export interface ClearanceStats {
  window: { fromMs: number; toMs: number }
  events: number
  throughput: { lastMinute: number; lastHour: number; perSecondOverWindow: number }
  decisions: Record<string, number>
  reasons: Record<string, number>
  latencyMs: Record<keyof StageTimings, Percentiles>
  share: { contactless: number; conventional: number; contactlessShare: number | null; reference: number }
  byKiosk: Record<string, number>
  byControlPoint: Record<string, number>
}

const STAGES: Array<keyof StageTimings> = [
  'decodeMs',
  'verifyMs',
  'detectMs',
  'embedMs',
  'livenessMs',
  'matchMs',
  'totalMs',
]

/** Pure: events in, report out. Latency covers contactless clearances only (conventional ones have no stages here). */
export function computeStats(events: readonly StoredClearanceEvent[], fromMs: number, nowMs: number): ClearanceStats {
  const decisions: Record<string, number> = {}
  const reasons: Record<string, number> = {}
  const byKiosk: Record<string, number> = {}
  const byControlPoint: Record<string, number> = {}
  const stageValues = Object.fromEntries(STAGES.map((s) => [s, [] as number[]])) as Record<keyof StageTimings, number[]>
  let contactless = 0
  let lastMinute = 0
  let lastHour = 0
  for (const e of events) {
    increment(byKiosk, e.kioskId)
    increment(byControlPoint, e.controlPoint)
    // An event stamped ahead of the server's clock (by up to the accepted skew) is not recent until it is due.
    const recent = e.occurredAt <= nowMs
    if (recent && e.occurredAt >= nowMs - 60_000) lastMinute++
    if (recent && e.occurredAt >= nowMs - 3_600_000) lastHour++
    if (e.channel !== 'contactless') continue
    contactless++
    increment(decisions, e.decision)
    if (e.reason) increment(reasons, e.reason)
    for (const stage of STAGES) stageValues[stage].push(e.timings[stage])
  }
  const conventional = events.length - contactless
  const spanSec = Math.max((nowMs - fromMs) / 1000, 1)
  return {
    window: { fromMs, toMs: nowMs },
    events: events.length,
    throughput: { lastMinute, lastHour, perSecondOverWindow: events.length / spanSec },
    decisions,
    reasons,
    latencyMs: Object.fromEntries(STAGES.map((s) => [s, summarise(stageValues[s])])) as Record<
      keyof StageTimings,
      Percentiles
    >,
    share: {
      contactless,
      conventional,
      contactlessShare: events.length > 0 ? contactless / events.length : null,
      reference: CONTACTLESS_SHARE_REFERENCE,
    },
    byKiosk,
    byControlPoint,
  }
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1
}
