import type { Store } from '../store/store.ts'
import { computeStats } from './clearance-stats.ts'

export type StatsWindow = 'minute' | 'hour' | 'day' | 'all'

const WINDOW_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const

export interface StatsFilter {
  kioskId?: string | undefined
  controlPoint?: string | undefined
}

/** The /v1/stats report over a window (and the events it was computed from), as plain JSON. */
export async function statsReport(store: Store, window: StatsWindow, filter: StatsFilter, now: number) {
  const since = window === 'all' ? 0 : now - WINDOW_MS[window]
  const events = (await store.listEvents(since)).filter(
    (e) =>
      (!filter.kioskId || e.kioskId === filter.kioskId) &&
      (!filter.controlPoint || e.controlPoint === filter.controlPoint),
  )
  const from = window === 'all' ? (events[0]?.occurredAt ?? now) : since
  const stats = computeStats(events, from, now)
  // NaN percentiles of an empty window travel as null.
  const report = JSON.parse(JSON.stringify({ ...stats, window: { name: window, ...stats.window } })) as ReturnType<
    typeof computeStats
  > & {
    window: { name: StatsWindow; fromMs: number; toMs: number }
  }
  return { report, events }
}
