import Database from 'better-sqlite3'
import { genesisHash, planAppend, type ChainHead } from '../../lib/outbox-chain.ts'
import { Serial } from '../../lib/serial.ts'
import { sameEventContent } from './event-content.ts'
import { SQLITE_MIGRATIONS } from './sqlite-migrations.ts'
import { EventIdConflictError } from './store.ts'
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
import {
  eventFromRow,
  offlineFlagAudit,
  offlineFlagFromRow,
  residentFromRow,
  revokedBefore,
  TEMPLATE_CHANGES_SQL,
  templateChangeFromRow,
  templateFromRow,
  type EventRow,
  type OfflineFlagRow,
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
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations
         (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT`,
    )
    const applied = new Set(this.statement('SELECT version FROM schema_migrations').pluck().all() as number[])
    const apply = this.db.transaction((migration: (typeof SQLITE_MIGRATIONS)[number]) => {
      this.db.exec(migration.sql)
      this.statement('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      )
    })
    for (const migration of SQLITE_MIGRATIONS) {
      if (!applied.has(migration.version)) apply.immediate(migration)
    }
  }

  async createResident({ resident, credentialHash, template }: NewResident): Promise<'created' | 'exists'> {
    const insert = this.db.transaction(() => {
      const result = this.statement(
        `INSERT INTO residents
           (resident_id, subject, name, date_of_birth, guardian_consent, status, credential_hash, enrolled_at)
           VALUES (?, ?, ?, ?, ?, 'active', ?, ?) ON CONFLICT (resident_id) DO NOTHING`,
      ).run(
        resident.residentId,
        resident.subject,
        resident.name,
        resident.dateOfBirth,
        resident.guardianConsent ? 1 : 0,
        credentialHash,
        resident.enrolledAt,
      )
      if (result.changes === 0) return 'exists' as const
      this.statement(
        `INSERT INTO templates (subject, model_name, model_version, dimensions, photos, sealed)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(
        template.subject,
        template.modelName,
        template.modelVersion,
        template.dimensions,
        template.photos,
        Buffer.from(template.sealed),
      )
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
      const result = this.statement(
        `UPDATE residents SET status = 'revoked', revoked_at = ? WHERE resident_id = ? AND status = 'active'`,
      ).run(at, residentId)
      if (result.changes !== 1) return false
      this.statement(`INSERT INTO template_changes (resident_id, change) VALUES (?, 'removed')`).run(residentId)
      return true
    })
    return revoke.immediate()
  }

  async replaceCredential(residentId: string, credentialHash: string): Promise<boolean> {
    const result = this.statement(
      `UPDATE residents SET credential_hash = ? WHERE resident_id = ? AND status = 'active'`,
    ).run(credentialHash, residentId)
    return result.changes === 1
  }

  async getTemplate(subject: string): Promise<TemplateRecord | null> {
    const row = this.statement(
      'SELECT subject, model_name, model_version, dimensions, photos, sealed FROM templates WHERE subject = ?',
    ).get(subject) as TemplateRow | undefined
    return row ? templateFromRow(row) : null
  }

  async listActiveTemplates(): Promise<Array<TemplateRecord & { residentId: string }>> {
    const rows = this.statement(
      `SELECT t.subject, t.model_name, t.model_version, t.dimensions, t.photos, t.sealed, r.resident_id
         FROM templates t JOIN residents r ON r.subject = t.subject WHERE r.status = 'active'`,
    ).all() as TemplateRow[]
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
    this.statement(
      `INSERT INTO enrolment_reviews (review_id, resident_id, matched_resident_id, score, created_at)
       VALUES (?, ?, ?, ?, ?)`,
    ).run(review.reviewId, review.residentId, review.matchedResidentId, review.score, review.createdAt)
  }

  async consumeJti(use: JtiUse): Promise<boolean> {
    return this.insertJti(use)
  }

  async insertEvents(events: ClearanceEvent[], receivedAt: number): Promise<{ inserted: number; duplicates: number }> {
    const inserted = this.db.transaction(() => this.insertEventRows(events, receivedAt)).immediate()
    return { inserted, duplicates: events.length - inserted }
  }

  async listEvents(sinceMs: number): Promise<StoredClearanceEvent[]> {
    const rows = this.statement('SELECT * FROM clearance_events WHERE occurred_at >= ? ORDER BY occurred_at').all(
      sinceMs,
    ) as EventRow[]
    return rows.map(eventFromRow)
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    this.insertAudit(event)
  }

  async listAudit(limit: number): Promise<StoredAuditEvent[]> {
    const rows = this.statement(
      'SELECT seq, at, kind, actor, subject_ref, details FROM audit_events ORDER BY seq DESC LIMIT ?',
    ).all(limit) as Array<{
      seq: number
      at: string
      kind: string
      actor: string
      subject_ref: string | null
      details: string
    }>
    return rows.map((r) => ({
      seq: r.seq,
      at: r.at,
      kind: r.kind,
      actor: r.actor,
      subjectRef: r.subject_ref,
      details: JSON.parse(r.details),
    }))
  }

  async countEvents(): Promise<number> {
    return this.statement('SELECT count(*) FROM clearance_events').pluck().get() as number
  }

  async appendOutbox(kioskId: string, entries: OutboxEntry[], receivedAt: number): Promise<OutboxAppendResult> {
    const append = this.db.transaction((): OutboxAppendResult => {
      const head = this.outboxHead(kioskId)
      const first = entries[0]?.seq ?? 1
      const last = entries[entries.length - 1]?.seq ?? 0
      const stored = this.statement(
        'SELECT seq, hash FROM outbox_entries WHERE kiosk_id = ? AND seq BETWEEN ? AND ?',
      ).all(kioskId, first, Math.min(last, head.seq)) as Array<{ seq: number; hash: string }>
      const plan = planAppend(head, new Map(stored.map((row) => [row.seq, row.hash])), entries)
      if (!plan.ok) return { ok: false, problem: plan.problem, head }
      this.insertEventRows(
        plan.fresh.map((entry) => entry.event),
        receivedAt,
      )
      const insertEntry = this.statement(
        `INSERT INTO outbox_entries (kiosk_id, seq, prev_hash, hash, event_id, offline_jti, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      const flags: OfflineFlag[] = []
      for (const entry of plan.fresh) {
        insertEntry.run(
          kioskId,
          entry.seq,
          entry.prevHash,
          entry.hash,
          entry.event.eventId,
          entry.jti ? 1 : 0,
          receivedAt,
        )
        if (entry.jti) flags.push(...this.consumeOfflineJti(kioskId, entry, receivedAt))
      }
      this.statement(
        `INSERT INTO outbox_heads (kiosk_id, seq, hash, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kiosk_id)
         DO UPDATE SET seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at`,
      ).run(kioskId, plan.head.seq, plan.head.hash, receivedAt)
      return { ok: true, head: plan.head, stored: plan.fresh.length, alreadyStored: plan.alreadyStored, flags }
    })
    return append.immediate()
  }

  async getOutboxHead(kioskId: string): Promise<ChainHead> {
    return this.outboxHead(kioskId)
  }

  async listOfflineFlags(limit: number): Promise<OfflineFlag[]> {
    const rows = this.statement('SELECT * FROM offline_flags ORDER BY flagged_at DESC, kiosk_id, seq DESC LIMIT ?').all(
      limit,
    ) as OfflineFlagRow[]
    return rows.map(offlineFlagFromRow)
  }

  async listRevokedSubjects(): Promise<string[]> {
    return this.statement(`SELECT subject FROM residents WHERE status = 'revoked' ORDER BY subject`)
      .pluck()
      .all() as string[]
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

  /** True when this (iss, jti) was not in the ledger: one statement, so concurrent uses cannot both insert. */
  private insertJti(use: JtiUse): boolean {
    return (
      this.statement(
        `INSERT INTO jti_ledger (iss, jti, expires_at, kiosk_id, consumed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (iss, jti) DO NOTHING`,
      ).run(use.iss, use.jti, use.expiresAtSec, use.kioskId, use.consumedAt).changes === 1
    )
  }

  private insertAudit(event: AuditEvent): void {
    this.statement('INSERT INTO audit_events (at, kind, actor, subject_ref, details) VALUES (?, ?, ?, ?, ?)').run(
      event.at,
      event.kind,
      event.actor,
      event.subjectRef,
      JSON.stringify(event.details),
    )
  }

  /**
   * Inside a transaction: insert, or ignore an event this kiosk already sent with the same content; returns how
   * many were new. A stored id with other content throws EventIdConflictError (the transaction rolls back).
   */
  private insertEventRows(events: ClearanceEvent[], receivedAt: number): number {
    const statement = this.statement(
      `INSERT INTO clearance_events (event_id, kiosk_id, control_point, channel, decision, reason, score, model_version,
         kid, jti_hash, occurred_at, received_at, decode_ms, verify_ms, detect_ms, embed_ms, liveness_ms, match_ms,
         total_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (kiosk_id, event_id) DO NOTHING`,
    )
    const stored = this.statement('SELECT * FROM clearance_events WHERE kiosk_id = ? AND event_id = ?')
    let inserted = 0
    for (const e of events) {
      const t = e.timings
      const changes = statement.run(
        e.eventId,
        e.kioskId,
        e.controlPoint,
        e.channel,
        e.decision,
        e.reason,
        e.score,
        e.modelVersion,
        e.kid,
        e.jtiHash,
        e.occurredAt,
        receivedAt,
        t.decodeMs,
        t.verifyMs,
        t.detectMs,
        t.embedMs,
        t.livenessMs,
        t.matchMs,
        t.totalMs,
      ).changes
      if (changes === 1) inserted++
      else if (!sameEventContent(eventFromRow(stored.get(e.kioskId, e.eventId) as EventRow), e))
        throw new EventIdConflictError(e.kioskId, e.eventId)
    }
    return inserted
  }

  private outboxHead(kioskId: string): ChainHead {
    const row = this.statement('SELECT seq, hash FROM outbox_heads WHERE kiosk_id = ?').get(kioskId) as
      ChainHead | undefined
    return row ?? { seq: 0, hash: genesisHash(kioskId) }
  }

  /** Inside appendOutbox's transaction: the ledger decides, as it does online; a second use is flagged, not refused. */
  private consumeOfflineJti(kioskId: string, entry: OutboxEntry, at: number): OfflineFlag[] {
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
    const first = this.insertJti({
      iss: claim.iss,
      jti: claim.jti,
      expiresAtSec: claim.exp,
      kioskId,
      consumedAt: new Date(entry.event.occurredAt).toISOString(),
    })
    if (!first) {
      const other = this.statement('SELECT kiosk_id FROM jti_ledger WHERE iss = ? AND jti = ?')
        .pluck()
        .get(claim.iss, claim.jti) as string
      flags.push(flag('JTI_DOUBLE_USE', other))
    }
    const resident = this.statement('SELECT status, revoked_at FROM residents WHERE subject = ?').get(claim.sub) as
      { status: string; revoked_at: string | null } | undefined
    if (entry.event.decision === 'APPROVE' && revokedBefore(resident, entry.event.occurredAt))
      flags.push(flag('REVOKED_AT_USE', null))
    for (const f of flags) {
      this.statement(
        `INSERT INTO offline_flags (kind, kiosk_id, seq, event_id, jti_hash, other_kiosk_id, flagged_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(f.kind, f.kioskId, f.seq, f.eventId, f.jtiHash, f.otherKioskId, f.flaggedAt)
      this.insertAudit(offlineFlagAudit(f, claim.sub))
    }
    return flags
  }

  private residentWhere(where: string, value: string): ResidentRecord | null {
    const row = this.statement(
      `SELECT resident_id, subject, name, date_of_birth, guardian_consent, status, enrolled_at, revoked_at
       FROM residents WHERE ${where}`,
    ).get(value) as ResidentRow | undefined
    return row ? residentFromRow(row) : null
  }
}
