import pg from 'pg'
import { Serial } from '../../lib/serial.ts'
import { genesisHash, type ChainHead } from '../../lib/outbox-chain.ts'
import { insertEventRows } from './postgres-events.ts'
import { appendOutboxRun } from './postgres-outbox.ts'
import { insertAudit, insertJti } from './postgres-statements.ts'
import {
  ENROLMENT_LOCK_KEY,
  MIGRATION_LOCK_KEY,
  POSTGRES_MIGRATIONS,
  TEMPLATE_CHANGES_LOCK_KEY,
} from './postgres-migrations.ts'
import type {
  AuditEvent,
  ClearanceEvent,
  DuplicateReview,
  JtiUse,
  NewResident,
  OfflineFlag,
  OutboxAppendResult,
  OutboxEntry,
  ResidentRecord,
  Store,
  StoredAuditEvent,
  StoredClearanceEvent,
  TemplateChange,
  TemplateRecord,
} from './store.ts'
import { EnrolmentLockTimeoutError } from './store.ts'
import {
  eventFromRow,
  offlineFlagFromRow,
  residentFromRow,
  TEMPLATE_CHANGES_SQL,
  templateChangeFromRow,
  templateFromRow,
  type EventRow,
  type OfflineFlagRow,
  type ResidentRow,
  type TemplateChangeRow,
  type TemplateRow,
} from './rows.ts'

export interface PostgresStoreOptions {
  connectionString: string
  /** Pool size per server instance. */
  max?: number
  /** A schema of its own (created by migrate() when missing), e.g. for isolated tests. Default: the search_path. */
  schema?: string
  /** How long to wait for a connection before a query fails. */
  connectionTimeoutMillis?: number
  /** Errors of idle pooled connections (the pool drops the connection and opens a new one when needed). */
  onIdleError?: (error: Error) => void
}

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

const RESIDENT_COLUMNS = 'resident_id, subject, name, date_of_birth, guardian_consent, status, enrolled_at, revoked_at'

/** The shared store for several server instances: a pool per instance, atomicity from unique keys and transactions. */
export class PostgresStore implements Store {
  private readonly enrolmentSerial = new Serial()
  private readonly pool: pg.Pool
  private readonly schema: string | undefined

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new TypeError(`schema must match ${SCHEMA_NAME}`)
    }
    this.schema = options.schema
    // bigint (epoch ms, count(*)) comes back as a string by default; these values fit a double exactly.
    // Per pool, not pg.types.setTypeParser, so that nothing else in the process changes.
    const types = new pg.TypeOverrides()
    types.setTypeParser(pg.types.builtins.INT8, parseBigint)
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
      types,
      ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    })
    // Without a listener an idle connection's error (a server restart, say) would crash the process.
    this.pool.on('error', options.onIdleError ?? (() => {}))
  }

  async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      // Held to the end of the transaction: instances starting together apply the migrations once, in turn.
      await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`)
      if (this.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`)
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations
           (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      )
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations')
      const applied = new Set(rows.map((row) => row.version))
      for (const migration of POSTGRES_MIGRATIONS) {
        if (applied.has(migration.version)) continue
        await client.query(migration.sql)
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          migration.version,
          migration.name,
        ])
      }
    })
  }

  async createResident({ resident, credentialHash, template }: NewResident): Promise<'created' | 'exists'> {
    return this.transaction(async (client) => {
      const result = await client.query(
        `INSERT INTO residents
           (resident_id, subject, name, date_of_birth, guardian_consent, status, credential_hash, enrolled_at)
         VALUES ($1, $2, $3, $4, $5, 'active', $6, $7) ON CONFLICT (resident_id) DO NOTHING`,
        [
          resident.residentId,
          resident.subject,
          resident.name,
          resident.dateOfBirth,
          resident.guardianConsent,
          credentialHash,
          resident.enrolledAt,
        ],
      )
      if (result.rowCount === 0) return 'exists' as const
      await client.query(
        `INSERT INTO templates (subject, model_name, model_version, dimensions, photos, sealed)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          template.subject,
          template.modelName,
          template.modelVersion,
          template.dimensions,
          template.photos,
          Buffer.from(template.sealed),
        ],
      )
      await this.appendTemplateChange(client, resident.residentId, 'added')
      return 'created' as const
    })
  }

  async getResident(residentId: string): Promise<ResidentRecord | null> {
    return this.residentWhere('resident_id = $1', residentId)
  }

  async getResidentByCredentialHash(hash: string): Promise<ResidentRecord | null> {
    return this.residentWhere('credential_hash = $1', hash)
  }

  async getResidentBySubject(subject: string): Promise<ResidentRecord | null> {
    return this.residentWhere('subject = $1', subject)
  }

  async revokeResident(residentId: string, at: string): Promise<boolean> {
    return this.transaction(async (client) => {
      const result = await client.query(
        `UPDATE residents SET status = 'revoked', revoked_at = $1 WHERE resident_id = $2 AND status = 'active'`,
        [at, residentId],
      )
      if (result.rowCount !== 1) return false
      await this.appendTemplateChange(client, residentId, 'removed')
      return true
    })
  }

  async replaceCredential(residentId: string, credentialHash: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE residents SET credential_hash = $1 WHERE resident_id = $2 AND status = 'active'`,
      [credentialHash, residentId],
    )
    return result.rowCount === 1
  }

  async getTemplate(subject: string): Promise<TemplateRecord | null> {
    const { rows } = await this.pool.query<TemplateRow>(
      'SELECT subject, model_name, model_version, dimensions, photos, sealed FROM templates WHERE subject = $1',
      [subject],
    )
    return rows[0] ? templateFromRow(rows[0]) : null
  }

  async listActiveTemplates(): Promise<Array<TemplateRecord & { residentId: string }>> {
    const { rows } = await this.pool.query<TemplateRow>(
      `SELECT t.subject, t.model_name, t.model_version, t.dimensions, t.photos, t.sealed, r.resident_id
       FROM templates t JOIN residents r ON r.subject = t.subject WHERE r.status = 'active'`,
    )
    return rows.map((row) => ({ ...templateFromRow(row), residentId: row.resident_id! }))
  }

  async templateChangesHead(): Promise<number> {
    const { rows } = await this.pool.query<{ head: number }>(
      'SELECT coalesce(max(seq), 0)::bigint AS head FROM template_changes',
    )
    return Number(rows[0]!.head)
  }

  async listTemplateChanges(afterSeq: number, limit: number): Promise<TemplateChange[]> {
    const { rows } = await this.pool.query<TemplateChangeRow>(TEMPLATE_CHANGES_SQL('$1', '$2'), [afterSeq, limit])
    return rows.map(templateChangeFromRow)
  }

  /**
   * In turn within this process (so that it holds at most one pooled connection for the lock), then a session
   * advisory lock on a connection of its own, tried with back-off rather than awaited, so that an instance that
   * holds it too long costs the others a clear timeout, not a hung request.
   */
  async withEnrolmentLock<T>(work: () => Promise<T>, timeoutMs: number): Promise<T> {
    return this.enrolmentSerial.run(() => this.withAdvisoryEnrolmentLock(work, timeoutMs))
  }

  private async withAdvisoryEnrolmentLock<T>(work: () => Promise<T>, timeoutMs: number): Promise<T> {
    const client = await this.pool.connect()
    let broken: Error | undefined
    try {
      const deadline = Date.now() + timeoutMs
      for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
        const { rows } = await client.query<{ locked: boolean }>(
          `SELECT pg_try_advisory_lock(${ENROLMENT_LOCK_KEY}) AS locked`,
        )
        if (rows[0]!.locked) break
        if (Date.now() + wait > deadline) throw new EnrolmentLockTimeoutError(timeoutMs)
        await new Promise((resolve) => setTimeout(resolve, wait))
      }
      try {
        return await work()
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${ENROLMENT_LOCK_KEY})`).catch((error: Error) => {
          // A connection that may still hold the lock is destroyed: closing the session releases it.
          broken = error
        })
      }
    } finally {
      client.release(broken)
    }
  }

  async recordReview(review: DuplicateReview): Promise<void> {
    await this.pool.query(
      `INSERT INTO enrolment_reviews (review_id, resident_id, matched_resident_id, score, created_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [review.reviewId, review.residentId, review.matchedResidentId, review.score, review.createdAt],
    )
  }

  async consumeJti(use: JtiUse): Promise<boolean> {
    const result = await this.pool.query(...insertJti(use))
    return result.rowCount === 1
  }

  async insertEvents(events: ClearanceEvent[], receivedAt: number): Promise<{ inserted: number; duplicates: number }> {
    if (events.length === 0) return { inserted: 0, duplicates: 0 }
    // A transaction even for one chunk: a changed duplicate found after the insert rolls the whole batch back.
    const inserted = await this.transaction((client) => insertEventRows(client, events, receivedAt))
    return { inserted, duplicates: events.length - inserted }
  }

  async listEvents(sinceMs: number): Promise<StoredClearanceEvent[]> {
    // event_id breaks ties so that the order is stable (SQLite happens to give insertion order).
    const { rows } = await this.pool.query<EventRow>(
      'SELECT * FROM clearance_events WHERE occurred_at >= $1 ORDER BY occurred_at, event_id',
      [sinceMs],
    )
    return rows.map(eventFromRow)
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    await this.pool.query(...insertAudit(event))
  }

  async listAudit(limit: number): Promise<StoredAuditEvent[]> {
    const { rows } = await this.pool.query<{
      seq: string
      at: string
      kind: string
      actor: string
      subject_ref: string | null
      details: AuditEvent['details']
    }>('SELECT seq, at, kind, actor, subject_ref, details FROM audit_events ORDER BY seq DESC LIMIT $1', [limit])
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: r.at,
      kind: r.kind,
      actor: r.actor,
      subjectRef: r.subject_ref,
      details: r.details,
    }))
  }

  async countEvents(): Promise<number> {
    const { rows } = await this.pool.query<{ count: number }>('SELECT count(*) AS count FROM clearance_events')
    return rows[0]!.count
  }

  async appendOutbox(kioskId: string, entries: OutboxEntry[], receivedAt: number): Promise<OutboxAppendResult> {
    return this.transaction((client) => appendOutboxRun(client, kioskId, entries, receivedAt))
  }

  async getOutboxHead(kioskId: string): Promise<ChainHead> {
    const { rows } = await this.pool.query<ChainHead>('SELECT seq, hash FROM outbox_heads WHERE kiosk_id = $1', [
      kioskId,
    ])
    return rows[0] ?? { seq: 0, hash: genesisHash(kioskId) }
  }

  async listOfflineFlags(limit: number): Promise<OfflineFlag[]> {
    const { rows } = await this.pool.query<OfflineFlagRow>(
      'SELECT * FROM offline_flags ORDER BY flagged_at DESC, kiosk_id, seq DESC LIMIT $1',
      [limit],
    )
    return rows.map(offlineFlagFromRow)
  }

  async listRevokedSubjects(): Promise<string[]> {
    const { rows } = await this.pool.query<{ subject: string }>(
      `SELECT subject FROM residents WHERE status = 'revoked' ORDER BY subject`,
    )
    return rows.map((row) => row.subject)
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end()
  }

  private async residentWhere(where: string, value: string): Promise<ResidentRecord | null> {
    const { rows } = await this.pool.query<ResidentRow>(`SELECT ${RESIDENT_COLUMNS} FROM residents WHERE ${where}`, [
      value,
    ])
    return rows[0] ? residentFromRow(rows[0]) : null
  }

  /** Inside the caller's transaction; the lock makes seq order equal commit order for the feed's readers. */
  private async appendTemplateChange(
    client: pg.PoolClient,
    residentId: string,
    change: 'added' | 'removed',
  ): Promise<void> {
    await client.query(`SELECT pg_advisory_xact_lock(${TEMPLATE_CHANGES_LOCK_KEY})`)
    await client.query('INSERT INTO template_changes (resident_id, change) VALUES ($1, $2)', [residentId, change])
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect()
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      const result = await work(client)
      await client.query('COMMIT')
      return result
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError
      })
      throw error
    } finally {
      // A connection that could not roll back is destroyed rather than returned to the pool.
      client.release(broken)
    }
  }
}

function parseBigint(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} is outside the safe integer range`)
  return value
}
