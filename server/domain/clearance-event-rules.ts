// What the server refuses in a clearance event beyond its schema (contract/clearance-event.ts): rules that
// relate one field to another or to the server's clock. Pure; both ingest routes (live events and the outbox
// sync) apply them.
import type { ClearanceEvent } from '../../contract/clearance-event.ts'
import { isDecision } from '../../contract/decision-reasons.ts'

/**
 * How far ahead of the server's clock an event's occurredAt may be. Kiosk clocks are kept by NTP (well under a
 * second); 30 s leaves room for a drifting kiosk that still checks tokens within their 5 s tolerance, and is
 * small beside the statistics' minute. An event cannot have happened after the server received it.
 */
export const EVENT_CLOCK_AHEAD_MS = 30_000

/**
 * How old a live event (POST /v1/kiosk/events) may be. A kiosk reports as it decides and its reporter retries a
 * failed batch; a day covers any retry. Older history is the outbox's (durable, hash-chained).
 */
export const LIVE_EVENT_MAX_AGE_MS = 24 * 3_600_000

/**
 * How old an outbox entry may be at sync. An outbox bridges an outage, so entries may be days old, but a kiosk
 * that has not synced for 30 days (or whose clock reads 1970 after a dead clock battery) needs an officer, not
 * a statistic: the batch is refused, audited, and the kiosk's chain waits there.
 */
export const OUTBOX_EVENT_MAX_AGE_MS = 30 * 24 * 3_600_000

export type EventProblemCode = 'EVENT_REASON_INVALID' | 'EVENT_TIME_OUT_OF_RANGE'

/** What each refusal says to the kiosk: the rule, never the submitted value. */
export const EVENT_PROBLEM_TEXT: Record<EventProblemCode, string> = {
  EVENT_REASON_INVALID: 'its reason is not one its decision can carry',
  EVENT_TIME_OUT_OF_RANGE: "its occurredAt is ahead of the server's clock or older than this route accepts",
}

export interface EventProblem {
  code: EventProblemCode
  /** Position of the first refused event in its batch. */
  index: number
}

/** The first event of a batch that the server must refuse, or null when it can store them all. */
export function firstEventProblem(
  events: readonly ClearanceEvent[],
  nowMs: number,
  maxAgeMs: number,
): EventProblem | null {
  for (const [index, event] of events.entries()) {
    // An approval carries no reason; a refusal carries one of its own closed set (the one decide() draws from).
    if (!isDecision(event)) return { code: 'EVENT_REASON_INVALID', index }
    if (event.occurredAt > nowMs + EVENT_CLOCK_AHEAD_MS || event.occurredAt < nowMs - maxAgeMs)
      return { code: 'EVENT_TIME_OUT_OF_RANGE', index }
  }
  return null
}
