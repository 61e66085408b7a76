import { canonicalJson } from '../../lib/outbox-chain.ts'
import type { ClearanceEvent } from './store.ts'

/** Every field of the wire event, none of what the server adds (receivedAt). */
const CONTENT_FIELDS = [
  'eventId',
  'kioskId',
  'controlPoint',
  'channel',
  'decision',
  'reason',
  'score',
  'modelVersion',
  'kid',
  'jtiHash',
  'occurredAt',
  'timings',
] as const satisfies ReadonlyArray<keyof ClearanceEvent>

// A field left out of the list would make two different events look alike: the compiler checks it is complete.
type Unlisted = Exclude<keyof ClearanceEvent, (typeof CONTENT_FIELDS)[number]>
const listsEveryField: [Unlisted] extends [never] ? true : never = true
void listsEveryField

/** The event's content in canonical JSON: a resent event gives the same text, any changed field another. */
export function eventContent(event: ClearanceEvent): string {
  return canonicalJson(Object.fromEntries(CONTENT_FIELDS.map((field) => [field, event[field]])))
}

/** True when a stored event (a row read back) and a received one carry the same content. */
export function sameEventContent(stored: ClearanceEvent, received: ClearanceEvent): boolean {
  return eventContent(stored) === eventContent(received)
}
