// The PostgreSQL side of a kiosk outbox sync, inside the caller's transaction (see Store.appendOutbox).
import type pg from 'pg'
import { genesisHash, planAppend, type ChainHead } from '../../lib/outbox-chain.ts'
import { insertEventRows } from './postgres-events.ts'
import { insertAudit, insertJti } from './postgres-statements.ts'
import { offlineFlagAudit, revokedBefore } from './rows.ts'
import type { OfflineFlag, OutboxAppendResult, OutboxEntry } from './store.ts'

const CHUNK = 1000

export async function appendOutboxRun(
  client: pg.PoolClient,
  kioskId: string,
  entries: OutboxEntry[],
  receivedAt: number,
): Promise<OutboxAppendResult> {
  // The head row is the kiosk's lock: two instances handed the same kiosk's batches append in turn.
  await client.query(
    `INSERT INTO outbox_heads (kiosk_id, seq, hash, updated_at) VALUES ($1, 0, $2, $3)
     ON CONFLICT (kiosk_id) DO NOTHING`,
    [kioskId, genesisHash(kioskId), receivedAt],
  )
  const head = (
    await client.query<ChainHead>('SELECT seq, hash FROM outbox_heads WHERE kiosk_id = $1 FOR UPDATE', [kioskId])
  ).rows[0]!
  const first = entries[0]?.seq ?? 1
  const last = entries[entries.length - 1]?.seq ?? 0
  const { rows: stored } = await client.query<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM outbox_entries WHERE kiosk_id = $1 AND seq BETWEEN $2 AND $3',
    [kioskId, first, Math.min(last, head.seq)],
  )
  const plan = planAppend(head, new Map(stored.map((row) => [row.seq, row.hash])), entries)
  if (!plan.ok) return { ok: false, problem: plan.problem, head }
  const fresh = plan.fresh
  await insertEventRows(
    client,
    fresh.map((entry) => entry.event),
    receivedAt,
  )
  for (let i = 0; i < fresh.length; i += CHUNK) {
    const chunk = fresh.slice(i, i + CHUNK)
    await client.query(
      `INSERT INTO outbox_entries (kiosk_id, seq, prev_hash, hash, event_id, offline_jti, received_at)
       SELECT $1, e.seq, e.prev_hash, e.hash, e.event_id, e.offline_jti, $7
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::boolean[])
         AS e (seq, prev_hash, hash, event_id, offline_jti)`,
      [
        kioskId,
        chunk.map((entry) => entry.seq),
        chunk.map((entry) => entry.prevHash),
        chunk.map((entry) => entry.hash),
        chunk.map((entry) => entry.event.eventId),
        chunk.map((entry) => entry.jti !== null),
        receivedAt,
      ],
    )
  }
  const flags: OfflineFlag[] = []
  for (const entry of fresh) if (entry.jti) flags.push(...(await consumeOfflineJti(client, kioskId, entry, receivedAt)))
  await client.query('UPDATE outbox_heads SET seq = $2, hash = $3, updated_at = $4 WHERE kiosk_id = $1', [
    kioskId,
    plan.head.seq,
    plan.head.hash,
    receivedAt,
  ])
  return { ok: true, head: plan.head, stored: fresh.length, alreadyStored: plan.alreadyStored, flags }
}

/** Inside appendOutbox's transaction: the ledger decides, as it does online; a second use is flagged, not refused. */
async function consumeOfflineJti(
  client: pg.PoolClient,
  kioskId: string,
  entry: OutboxEntry,
  at: number,
): Promise<OfflineFlag[]> {
  const claim = entry.jti!
  const flags: OfflineFlag[] = []
  const flag = (kind: OfflineFlag['kind'], otherKioskId: string | null): OfflineFlag => ({
    kind,
    kioskId,
    seq: entry.seq,
    eventId: entry.event.eventId,
    jtiHash: entry.event.jtiHash!,
    otherKioskId,
    flaggedAt: at,
  })
  const inserted = await client.query(
    ...insertJti({
      iss: claim.iss,
      jti: claim.jti,
      expiresAtSec: claim.exp,
      kioskId,
      consumedAt: new Date(entry.event.occurredAt).toISOString(),
    }),
  )
  if (inserted.rowCount !== 1) {
    const { rows } = await client.query<{ kiosk_id: string }>(
      'SELECT kiosk_id FROM jti_ledger WHERE iss = $1 AND jti = $2',
      [claim.iss, claim.jti],
    )
    flags.push(flag('JTI_DOUBLE_USE', rows[0]?.kiosk_id ?? null))
  }
  const { rows: residents } = await client.query<{ status: string; revoked_at: string | null }>(
    'SELECT status, revoked_at FROM residents WHERE subject = $1',
    [claim.sub],
  )
  if (entry.event.decision === 'APPROVE' && revokedBefore(residents[0], entry.event.occurredAt))
    flags.push(flag('REVOKED_AT_USE', null))
  for (const f of flags) {
    await client.query(
      `INSERT INTO offline_flags (kind, kiosk_id, seq, event_id, jti_hash, other_kiosk_id, flagged_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [f.kind, f.kioskId, f.seq, f.eventId, f.jtiHash, f.otherKioskId, f.flaggedAt],
    )
    await client.query(...insertAudit(offlineFlagAudit(f, claim.sub)))
  }
  return flags
}
