// Clearance event inserts on PostgreSQL, inside the caller's transaction: by insertEvents and by the outbox sync.
import type pg from 'pg'
import { sameEventContent } from './event-content.ts'
import { eventFromRow, type EventRow } from './rows.ts'
import { EventIdConflictError, type ClearanceEvent } from './store.ts'

/** Rows per INSERT; a larger batch is split, all parts in the caller's transaction. */
const EVENT_CHUNK = 1000

// One array parameter per column, unnested into rows: 19 parameters whatever the batch size.
const INSERT_EVENTS = `
  INSERT INTO clearance_events (event_id, kiosk_id, control_point, channel, decision, reason, score, model_version, kid,
    jti_hash, occurred_at, received_at, decode_ms, verify_ms, detect_ms, embed_ms, liveness_ms, match_ms, total_ms)
  SELECT e.event_id, e.kiosk_id, e.control_point, e.channel, e.decision, e.reason, e.score, e.model_version, e.kid,
    e.jti_hash, e.occurred_at, $12::bigint, e.decode_ms, e.verify_ms, e.detect_ms, e.embed_ms, e.liveness_ms,
    e.match_ms, e.total_ms
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::text[],
    $9::text[], $10::text[], $11::bigint[], $13::float8[], $14::float8[], $15::float8[], $16::float8[],
    $17::float8[], $18::float8[], $19::float8[])
    WITH ORDINALITY AS e (event_id, kiosk_id, control_point, channel, decision, reason, score, model_version, kid,
      jti_hash, occurred_at, decode_ms, verify_ms, detect_ms, embed_ms, liveness_ms, match_ms, total_ms, n)
  ORDER BY e.n
  ON CONFLICT (kiosk_id, event_id) DO NOTHING
  RETURNING kiosk_id, event_id`

const STORED_EVENTS = `
  SELECT c.* FROM clearance_events c
  JOIN unnest($1::text[], $2::text[]) AS k (kiosk_id, event_id) ON c.kiosk_id = k.kiosk_id AND c.event_id = k.event_id`

const key = (kioskId: string, eventId: string) => `${kioskId}\u0000${eventId}`

/**
 * Inserts the events, or ignores those this kiosk already sent with the same content; returns how many were new.
 * An id stored with other content throws EventIdConflictError, and the caller's transaction rolls back.
 */
export async function insertEventRows(
  client: pg.PoolClient,
  events: ClearanceEvent[],
  receivedAt: number,
): Promise<number> {
  // Rows in key order, so that overlapping batches from several instances take their row locks in one order and
  // cannot deadlock.
  const sorted = [...events].sort((a, b) => {
    const [x, y] = [key(a.kioskId, a.eventId), key(b.kioskId, b.eventId)]
    return x < y ? -1 : x > y ? 1 : 0
  })
  let inserted = 0
  for (let i = 0; i < sorted.length; i += EVENT_CHUNK) {
    const chunk = sorted.slice(i, i + EVENT_CHUNK)
    const { rows } = await client.query<{ kiosk_id: string; event_id: string }>(
      INSERT_EVENTS,
      eventColumns(chunk, receivedAt),
    )
    inserted += rows.length
    if (rows.length < chunk.length) await refuseChangedDuplicates(client, chunk, rows)
  }
  return inserted
}

/** The events of a chunk that were not inserted (or appear twice in it) must equal what is stored. */
async function refuseChangedDuplicates(
  client: pg.PoolClient,
  chunk: ClearanceEvent[],
  insertedRows: Array<{ kiosk_id: string; event_id: string }>,
): Promise<void> {
  const inserted = new Set(insertedRows.map((row) => key(row.kiosk_id, row.event_id)))
  const seen = new Map<string, number>()
  for (const e of chunk) seen.set(key(e.kioskId, e.eventId), (seen.get(key(e.kioskId, e.eventId)) ?? 0) + 1)
  const suspects = chunk.filter(
    (e) => !inserted.has(key(e.kioskId, e.eventId)) || seen.get(key(e.kioskId, e.eventId))! > 1,
  )
  const { rows } = await client.query<EventRow>(STORED_EVENTS, [
    suspects.map((e) => e.kioskId),
    suspects.map((e) => e.eventId),
  ])
  const stored = new Map(rows.map((row) => [key(row.kiosk_id, row.event_id), eventFromRow(row)]))
  for (const e of suspects) {
    const existing = stored.get(key(e.kioskId, e.eventId))
    if (!existing || !sameEventContent(existing, e)) throw new EventIdConflictError(e.kioskId, e.eventId)
  }
}

function eventColumns(events: ClearanceEvent[], receivedAt: number): unknown[] {
  const column = <T>(pick: (e: ClearanceEvent) => T) => events.map(pick)
  return [
    column((e) => e.eventId),
    column((e) => e.kioskId),
    column((e) => e.controlPoint),
    column((e) => e.channel),
    column((e) => e.decision),
    column((e) => e.reason),
    column((e) => e.score),
    column((e) => e.modelVersion),
    column((e) => e.kid),
    column((e) => e.jtiHash),
    column((e) => e.occurredAt),
    receivedAt,
    column((e) => e.timings.decodeMs),
    column((e) => e.timings.verifyMs),
    column((e) => e.timings.detectMs),
    column((e) => e.timings.embedMs),
    column((e) => e.timings.livenessMs),
    column((e) => e.timings.matchMs),
    column((e) => e.timings.totalMs),
  ]
}
