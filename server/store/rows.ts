// Row shapes and row-to-record mapping shared by the SQLite and PostgreSQL stores: the same columns in both.
import { auditEvent } from './audit-event.ts'
import type {
  AuditEvent,
  OfflineFlag,
  ResidentRecord,
  StoredClearanceEvent,
  TemplateChange,
  TemplateRecord,
} from './store.ts'

export interface ResidentRow {
  resident_id: string
  subject: string
  name: string
  date_of_birth: string
  /** 0/1 in SQLite, boolean in PostgreSQL. */
  guardian_consent: number | boolean
  status: 'active' | 'revoked'
  enrolled_at: string
  revoked_at: string | null
}

export interface TemplateRow {
  subject: string
  model_name: string
  model_version: string
  dimensions: number
  photos: number
  sealed: Buffer
  resident_id?: string
}

export interface EventRow {
  event_id: string
  kiosk_id: string
  control_point: string
  channel: StoredClearanceEvent['channel']
  decision: StoredClearanceEvent['decision']
  reason: StoredClearanceEvent['reason']
  score: number | null
  model_version: string | null
  kid: string | null
  jti_hash: string | null
  occurred_at: number
  received_at: number
  decode_ms: number
  verify_ms: number
  detect_ms: number
  embed_ms: number
  liveness_ms: number
  match_ms: number
  total_ms: number
}

export function residentFromRow(row: ResidentRow): ResidentRecord {
  return {
    residentId: row.resident_id,
    subject: row.subject,
    name: row.name,
    dateOfBirth: row.date_of_birth,
    guardianConsent: row.guardian_consent === 1 || row.guardian_consent === true,
    status: row.status,
    enrolledAt: row.enrolled_at,
    revokedAt: row.revoked_at,
  }
}

/** A template change joined to its template; the template columns are null for a removal. */
export interface TemplateChangeRow {
  seq: number
  resident_id: string
  change: 'added' | 'removed'
  subject: string | null
  model_name: string | null
  model_version: string | null
  dimensions: number | null
  photos: number | null
  sealed: Buffer | null
}

/** The one query both stores run for the feed, in their own placeholder style. */
export const TEMPLATE_CHANGES_SQL = (after: string, limit: string) => `
  SELECT c.seq, c.resident_id, c.change, t.subject, t.model_name, t.model_version, t.dimensions, t.photos, t.sealed
  FROM template_changes c
  LEFT JOIN residents r ON r.resident_id = c.resident_id AND c.change = 'added'
  LEFT JOIN templates t ON t.subject = r.subject
  WHERE c.seq > ${after} ORDER BY c.seq LIMIT ${limit}`

export function templateChangeFromRow(row: TemplateChangeRow): TemplateChange {
  const template =
    row.change === 'added' && row.subject !== null && row.sealed !== null
      ? templateFromRow({
          subject: row.subject,
          model_name: row.model_name!,
          model_version: row.model_version!,
          dimensions: row.dimensions!,
          photos: row.photos!,
          sealed: row.sealed,
        })
      : null
  return { seq: Number(row.seq), residentId: row.resident_id, change: row.change, template }
}

export function templateFromRow(row: TemplateRow): TemplateRecord {
  return {
    subject: row.subject,
    modelName: row.model_name,
    modelVersion: row.model_version,
    dimensions: row.dimensions,
    photos: Number(row.photos),
    sealed: new Uint8Array(row.sealed),
  }
}

export function eventFromRow(row: EventRow): StoredClearanceEvent {
  return {
    eventId: row.event_id,
    kioskId: row.kiosk_id,
    controlPoint: row.control_point,
    channel: row.channel,
    decision: row.decision,
    reason: row.reason,
    score: row.score,
    modelVersion: row.model_version,
    kid: row.kid,
    jtiHash: row.jti_hash,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    timings: {
      decodeMs: row.decode_ms,
      verifyMs: row.verify_ms,
      detectMs: row.detect_ms,
      embedMs: row.embed_ms,
      livenessMs: row.liveness_ms,
      matchMs: row.match_ms,
      totalMs: row.total_ms,
    },
  }
}

export interface OfflineFlagRow {
  kind: OfflineFlag['kind']
  kiosk_id: string
  seq: number
  event_id: string
  jti_hash: string
  other_kiosk_id: string | null
  flagged_at: number
}

export function offlineFlagFromRow(row: OfflineFlagRow): OfflineFlag {
  return {
    kind: row.kind,
    kioskId: row.kiosk_id,
    seq: row.seq,
    eventId: row.event_id,
    jtiHash: row.jti_hash,
    otherKioskId: row.other_kiosk_id,
    flaggedAt: row.flagged_at,
  }
}

/** The audit event that goes with a flag, in the same transaction. */
export function offlineFlagAudit(flag: OfflineFlag, subject: string | null): AuditEvent {
  const details = {
    kioskId: flag.kioskId,
    seq: flag.seq,
    eventId: flag.eventId,
    jtiHash: flag.jtiHash,
    otherKioskId: flag.otherKioskId,
  }
  const subjectRef = flag.kind === 'REVOKED_AT_USE' ? subject : null
  return auditEvent(`OFFLINE_${flag.kind}`, 'kiosk-sync', subjectRef, details, new Date(flag.flaggedAt))
}

/** A revoked resident's offline approval is flagged only when the revocation came before the event. */
export function revokedBefore(
  resident: { status: string; revoked_at: string | null } | undefined,
  occurredAtMs: number,
): boolean {
  return (
    resident?.status === 'revoked' && resident.revoked_at !== null && Date.parse(resident.revoked_at) <= occurredAtMs
  )
}
