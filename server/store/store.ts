import type { Channel, ClearanceEvent, StageTimings } from '../../contract/clearance-event.ts'
import type { ChainEntry, ChainHead, ChainProblem } from '../../lib/outbox-chain.ts'

// The persistence contract, implemented by the SQLite store and the PostgreSQL store alike.

export class EnrolmentLockTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`the enrolment lock was not free within ${timeoutMs} ms`)
    this.name = 'EnrolmentLockTimeoutError'
  }
}

/**
 * A kiosk reused one of its event ids for an event with other content. Nothing of the batch (or outbox run) that
 * carried it is stored: the stored event stays as it was, and the caller refuses the batch.
 */
export class EventIdConflictError extends Error {
  constructor(
    readonly kioskId: string,
    readonly eventId: string,
  ) {
    super(`event ${eventId} of kiosk ${kioskId} is stored with other content`)
    this.name = 'EventIdConflictError'
  }
}

export type ResidentStatus = 'active' | 'revoked'

export interface ResidentRecord {
  residentId: string
  subject: string
  name: string
  dateOfBirth: string
  guardianConsent: boolean
  status: ResidentStatus
  enrolledAt: string
  revokedAt: string | null
}

export interface TemplateRecord {
  subject: string
  modelName: string
  modelVersion: string
  dimensions: number
  /** How many enrolment photos the template is the mean of: the gate's threshold depends on it. */
  photos: number
  /** The descriptor encrypted at rest (see server/templates/template-sealer.ts); the store never sees it in clear. */
  sealed: Uint8Array
}

export interface AuditEvent {
  /** UTC ISO time. */
  at: string
  kind: string
  actor: string
  /** A hash or opaque reference, never an identity number in clear. */
  subjectRef: string | null
  details: Record<string, string | number | boolean | null>
}

export interface StoredAuditEvent extends AuditEvent {
  seq: number
}

export interface NewResident {
  resident: Omit<ResidentRecord, 'status' | 'revokedAt'>
  credentialHash: string
  template: TemplateRecord
}

export interface JtiUse {
  iss: string
  jti: string
  expiresAtSec: number
  kioskId: string
  consumedAt: string
}

// The clearance event and its stage timings are the wire contract's (contract/clearance-event.ts).
export type { Channel, ClearanceEvent, StageTimings }

export interface StoredClearanceEvent extends ClearanceEvent {
  receivedAt: number
}

export interface DuplicateReview {
  reviewId: string
  residentId: string
  matchedResidentId: string
  score: number
  createdAt: string
}

/** One entry of the template change feed: a template became active (added) or stopped being (removed). */
export interface TemplateChange {
  seq: number
  residentId: string
  change: 'added' | 'removed'
  /** The template of an added resident; null for a removal. */
  template: TemplateRecord | null
}

/** One entry of a kiosk's outbox chain (lib/outbox-chain.ts), carrying a clearance event. */
export type OutboxEntry = ChainEntry<ClearanceEvent>

export type OfflineFlagKind = 'JTI_DOUBLE_USE' | 'REVOKED_AT_USE'

/** Raised at sync: an offline decision that the server would have refused. The event itself is kept. */
export interface OfflineFlag {
  kind: OfflineFlagKind
  kioskId: string
  seq: number
  eventId: string
  jtiHash: string
  /** JTI_DOUBLE_USE: the kiosk that consumed the token id first. */
  otherKioskId: string | null
  /** Epoch ms at the server. */
  flaggedAt: number
}

export type OutboxAppendResult =
  | { ok: true; head: ChainHead; stored: number; alreadyStored: number; flags: OfflineFlag[] }
  | { ok: false; problem: ChainProblem; head: ChainHead }

export interface Store {
  /** Applies pending migrations; safe to run any number of times. */
  migrate(): Promise<void>
  /** Resident and template in one transaction. */
  createResident(input: NewResident): Promise<'created' | 'exists'>
  getResident(residentId: string): Promise<ResidentRecord | null>
  getResidentByCredentialHash(hash: string): Promise<ResidentRecord | null>
  getResidentBySubject(subject: string): Promise<ResidentRecord | null>
  revokeResident(residentId: string, at: string): Promise<boolean>
  /** Replaces an active resident's credential hash; false when there is no active resident. */
  replaceCredential(residentId: string, credentialHash: string): Promise<boolean>
  getTemplate(subject: string): Promise<TemplateRecord | null>
  /** Templates of active residents, with their resident ids, for the 1:N duplicate search. */
  listActiveTemplates(): Promise<Array<TemplateRecord & { residentId: string }>>
  /** Sequence number of the latest template change; 0 when there is none. */
  templateChangesHead(): Promise<number>
  /** Template changes after seq, in seq order (commit order), at most limit. */
  listTemplateChanges(afterSeq: number, limit: number): Promise<TemplateChange[]>
  /**
   * Runs work while holding the enrolment lock that this process and every other instance on this store share, so
   * that a duplicate search and the insert that follows it cannot interleave with another enrolment's. Throws
   * EnrolmentLockTimeoutError when the lock is not had within timeoutMs.
   */
  withEnrolmentLock<T>(work: () => Promise<T>, timeoutMs: number): Promise<T>
  recordReview(review: DuplicateReview): Promise<void>
  /** True when this (iss, jti) was not used before. Atomic: a unique key, not read-then-write. */
  consumeJti(use: JtiUse): Promise<boolean>
  /**
   * Idempotent by (kioskId, eventId): an event id is unique per kiosk, and the same event again is a duplicate.
   * The same id with other content throws EventIdConflictError, and nothing of the batch is stored.
   */
  insertEvents(events: ClearanceEvent[], receivedAt: number): Promise<{ inserted: number; duplicates: number }>
  listEvents(sinceMs: number): Promise<StoredClearanceEvent[]>
  /** Append-only: the database refuses updates and deletes of audit and clearance rows. */
  appendAudit(event: AuditEvent): Promise<void>
  listAudit(limit: number): Promise<StoredAuditEvent[]>
  countEvents(): Promise<number>
  /**
   * Appends a run of a kiosk's outbox chain (already checked on its own with verifyRun) in one transaction:
   * the events (as insertEvents: an event id reused with other content throws EventIdConflictError and stores
   * nothing), the chain entries, the head; offline token ids go into the ledger,
   * and a token id already consumed, or a subject revoked before the event, raises a flag (with an audit
   * event). A gap or a broken link stores nothing.
   */
  appendOutbox(kioskId: string, entries: OutboxEntry[], receivedAt: number): Promise<OutboxAppendResult>
  /** Seq 0 and the kiosk's genesis hash before its first entry. */
  getOutboxHead(kioskId: string): Promise<ChainHead>
  /** Newest first. */
  listOfflineFlags(limit: number): Promise<OfflineFlag[]>
  /** Subjects of revoked residents, for the kiosks' revocation list. */
  listRevokedSubjects(): Promise<string[]>
  close(): Promise<void>
}
