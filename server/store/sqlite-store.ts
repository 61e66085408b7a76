import Database from 'better-sqlite3'
import { Serial } from '../../lib/serial.ts'
import { SQLITE_MIGRATIONS } from './sqlite-migrations.ts'
import type {
  AuditEvent,
  ClearanceEvent,
  DuplicateReview,
  JtiUse,
  NewResident,
  ResidentRecord,
  Store,
  StoredAuditEvent,
  StoredClearanceEvent,
  TemplateChange,
  TemplateRecord,
} from './store.ts'
import {
  eventFromRow,
  residentFromRow,
  TEMPLATE_CHANGES_SQL,
  templateChangeFromRow,
  templateFromRow,
  type EventRow,
  type ResidentRow,
  type TemplateChangeRow,
  type TemplateRow,
} from './rows.ts'

/** The embedded default: one file, WAL, and synchronous=FULL so that a 2xx survives power loss. */
export class SqliteStore implements Store {
  private readonly db: Database.Database
  private readonly enrolmentSerial = new Serial()

  constructor(path: string) {
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    this.db.pragma('foreign_keys = ON')
    this.db.pragma('busy_timeout = 5000')
  }

  async migrate(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT')
    const applied = new Set(
      this.statement('SELECT version FROM schema_migrations').pluck().all() as number[],
    )
    const apply = this.db.transaction((migration: (typeof SQLITE_MIGRATIONS)[number]) => {
      this.db.exec(migration.sql)
      this.statement('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(migration.version, migration.name, new Date().toISOString())
    })
    for (const migration of SQLITE_MIGRATIONS) {
      if (!applied.has(migration.version)) apply.immediate(migration)
    }
  }

  async createResident({ resident, credentialHash, template }: NewResident): Promise<'created' | 'exists'> {
    const insert = this.db.transaction(() => {
      const result = this.statement(
          `INSERT INTO residents (resident_id, subject, name, date_of_birth, guardian_consent, status, credential_hash, enrolled_at)
           VALUES (?, ?, ?, ?, ?, 'active', ?, ?) ON CONFLICT (resident_id) DO NOTHING`,
        )
        .run(resident.residentId, resident.subject, resident.name, resident.dateOfBirth, resident.guardianConsent ? 1 : 0, credentialHash, resident.enrolledAt)
      if (result.changes === 0) return 'exists' as const
      this.statement('INSERT INTO templates (subject, model_name, model_version, dimensions, sealed) VALUES (?, ?, ?, ?, ?)')
        .run(template.subject, template.modelName, template.modelVersion, template.dimensions, Buffer.from(template.sealed))
      this.statement(`INSERT INTO template_changes (resident_id, change) VALUES (?, 'added')`).run(resident.residentId)
      return 'created' as const
    })
    return insert.immediate()
  }

  async getResident(residentId: string): Promise<ResidentRecord | null> {
    return this.residentWhere('resident_id = ?', residentId)
  }

  async getResidentByCredentialHash(hash: string): Promise<ResidentRecord | null> {
    return this.residentWhere('credential_hash = ?', hash)
  }

  async getResidentBySubject(subject: string): Promise<ResidentRecord | null> {
    return this.residentWhere('subject = ?', subject)
  }

  async revokeResident(residentId: string, at: string): Promise<boolean> {
    const revoke = this.db.transaction(() => {
      const result = this.statement(`UPDATE residents SET status = 'revoked', revoked_at = ? WHERE resident_id = ? AND status = 'active'`)
        .run(at, residentId)
      if (result.changes !== 1) return false
      this.statement(`INSERT INTO template_changes (resident_id, change) VALUES (?, 'removed')`).run(residentId)
      return true
    })
    return revoke.immediate()
  }

  async replaceCredential(residentId: string, credentialHash: string): Promise<boolean> {
    const result = this.statement(`UPDATE residents SET credential_hash = ? WHERE resident_id = ? AND status = 'active'`)
      .run(credentialHash, residentId)
    return result.changes === 1
  }

  async getTemplate(subject: string): Promise<TemplateRecord | null> {
    const row = this.statement('SELECT subject, model_name, model_version, dimensions, sealed FROM templates WHERE subject = ?').get(subject) as
      | TemplateRow
      | undefined
    return row ? templateFromRow(row) : null
  }

  async listActiveTemplates(): Promise<Array<TemplateRecord & { residentId: string }>> {
    const rows = this.statement(
        `SELECT t.subject, t.model_name, t.model_version, t.dimensions, t.sealed, r.resident_id
         FROM templates t JOIN residents r ON r.subject = t.subject WHERE r.status = 'active'`,
      )
      .all() as TemplateRow[]
    return rows.map((row) => ({ ...templateFromRow(row), residentId: row.resident_id! }))
  }

  async templateChangesHead(): Promise<number> {
    return (this.statement('SELECT coalesce(max(seq), 0) FROM template_changes').pluck().get() as number) ?? 0
  }

  async listTemplateChanges(afterSeq: number, limit: number): Promise<TemplateChange[]> {
    const rows = this.statement(TEMPLATE_CHANGES_SQL('?', '?')).all(afterSeq, limit) as TemplateChangeRow[]
    return rows.map(templateChangeFromRow)
  }

  /** One process owns an SQLite file, so an in-process queue is the whole lock. */
  async withEnrolmentLock<T>(work: () => Promise<T>): Promise<T> {
    return this.enrolmentSerial.run(work)
  }

  async recordReview(review: DuplicateReview): Promise<void> {
    this.statement('INSERT INTO enrolment_reviews (review_id, resident_id, matched_resident_id, score, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(review.reviewId, review.residentId, review.matchedResidentId, review.score, review.createdAt)
  }

  async consumeJti(use: JtiUse): Promise<boolean> {
    const result = this.statement(
        `INSERT INTO jti_ledger (iss, jti, expires_at, kiosk_id, consumed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (iss, jti) DO NOTHING`,
      )
      .run(use.iss, use.jti, use.expiresAtSec, use.kioskId, use.consumedAt)
    return result.changes === 1
  }

  async insertEvents(events: ClearanceEvent[], receivedAt: number): Promise<{ inserted: number; duplicates: number }> {
    const statement = this.statement(
      `INSERT INTO clearance_events (event_id, kiosk_id, control_point, channel, decision, reason, score, model_version, kid, jti_hash,
         occurred_at, received_at, decode_ms, verify_ms, detect_ms, embed_ms, liveness_ms, match_ms, total_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`,
    )
    const insertAll = this.db.transaction(() => {
      let inserted = 0
      for (const e of events) {
        const t = e.timings
        inserted += statement.run(
          e.eventId, e.kioskId, e.controlPoint, e.channel, e.decision, e.reason, e.score, e.modelVersion, e.kid, e.jtiHash,
          e.occurredAt, receivedAt, t.decodeMs, t.verifyMs, t.detectMs, t.embedMs, t.livenessMs, t.matchMs, t.totalMs,
        ).changes
      }
      return inserted
    })
    const inserted = insertAll.immediate()
    return { inserted, duplicates: events.length - inserted }
  }

  async listEvents(sinceMs: number): Promise<StoredClearanceEvent[]> {
    const rows = this.statement('SELECT * FROM clearance_events WHERE occurred_at >= ? ORDER BY occurred_at').all(sinceMs) as EventRow[]
    return rows.map(eventFromRow)
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    this.statement('INSERT INTO audit_events (at, kind, actor, subject_ref, details) VALUES (?, ?, ?, ?, ?)')
      .run(event.at, event.kind, event.actor, event.subjectRef, JSON.stringify(event.details))
  }

  async listAudit(limit: number): Promise<StoredAuditEvent[]> {
    const rows = this.statement('SELECT seq, at, kind, actor, subject_ref, details FROM audit_events ORDER BY seq DESC LIMIT ?').all(limit) as Array<{
      seq: number
      at: string
      kind: string
      actor: string
      subject_ref: string | null
      details: string
    }>
    return rows.map((r) => ({ seq: r.seq, at: r.at, kind: r.kind, actor: r.actor, subjectRef: r.subject_ref, details: JSON.parse(r.details) }))
  }

  async countEvents(): Promise<number> {
    return this.statement('SELECT count(*) FROM clearance_events').pluck().get() as number
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close()
  }

  private readonly statements = new Map<string, Database.Statement>()

  /** Prepared once per SQL text: preparing on every call cost more than the query. */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql)
    if (!statement) {
      statement = this.db.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement
  }

  private residentWhere(where: string, value: string): ResidentRecord | null {
    const row = this.statement(`SELECT resident_id, subject, name, date_of_birth, guardian_consent, status, enrolled_at, revoked_at FROM residents WHERE ${where}`)
      .get(value) as ResidentRow | undefined
    return row ? residentFromRow(row) : null
  }
}

