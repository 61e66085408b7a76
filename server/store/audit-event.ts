import type { AuditEvent } from './store.ts'

/**
 * One audit record: UTC time, what happened, who did it, an opaque subject reference (never an identity number in
 * clear) and details. The time is now unless the caller decided at another moment.
 */
export function auditEvent(
  kind: string,
  actor: string,
  subjectRef: string | null = null,
  details: AuditEvent['details'] = {},
  at: Date = new Date(),
): AuditEvent {
  return { at: at.toISOString(), kind, actor, subjectRef, details }
}
