import type { StoredClearanceEvent } from '../store/store.ts'

export interface MinuteBucket {
  /** Start of the minute, epoch milliseconds. */
  startMs: number
  contactless: number
  conventional: number
}

/**
 * Pure: clearances per whole minute over the last `minutes` minutes, oldest first; the last bucket is the current
 * minute.
 */
export function perMinute(
  events: readonly Pick<StoredClearanceEvent, 'occurredAt' | 'channel'>[],
  nowMs: number,
  minutes: number,
): MinuteBucket[] {
  const current = Math.floor(nowMs / 60_000) * 60_000
  const first = current - (minutes - 1) * 60_000
  const buckets: MinuteBucket[] = Array.from({ length: minutes }, (_, i) => ({
    startMs: first + i * 60_000,
    contactless: 0,
    conventional: 0,
  }))
  for (const e of events) {
    const index = Math.floor((e.occurredAt - first) / 60_000)
    const bucket = buckets[index]
    if (!bucket || e.occurredAt > nowMs) continue
    if (e.channel === 'contactless') bucket.contactless++
    else bucket.conventional++
  }
  return buckets
}
