// Statements that the PostgreSQL store runs both on its pool and inside the outbox sync's transaction.
import type { AuditEvent, JtiUse } from './store.ts'

type Statement = [text: string, values: unknown[]]

/** One statement: of concurrent inserts of one key, in any number of instances, exactly one inserts a row. */
export function insertJti(use: JtiUse): Statement {
  return [
    `INSERT INTO jti_ledger (iss, jti, expires_at, kiosk_id, consumed_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (iss, jti) DO NOTHING`,
    [use.iss, use.jti, use.expiresAtSec, use.kioskId, use.consumedAt],
  ]
}

export function insertAudit(event: AuditEvent): Statement {
  return [
    'INSERT INTO audit_events (at, kind, actor, subject_ref, details) VALUES ($1, $2, $3, $4, $5)',
    [event.at, event.kind, event.actor, event.subjectRef, JSON.stringify(event.details)],
  ]
}
