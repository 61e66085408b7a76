// The clearance record: a decision as the clearance event the kiosk reports (and, offline, writes to its outbox).
// Every gate builds its records here, so that every event has the same shape and the same durability rule.
import { randomUUID } from 'node:crypto'
import type { OfflineJtiClaim } from '../../lib/outbox-chain.ts'
import type { FaceThresholds } from '../../models/thresholds.ts'
import type { Decision } from '../../contract/decision-reasons.ts'
import type { KioskEvent } from '../kiosk-server-client.ts'
import type { OfflinePort } from './offline-port.ts'

export interface KioskIdentity {
  kioskId: string
  controlPoint: string
}

export type ClearanceRecord = KioskEvent & Decision

/** The stage figures of one clearance event, in milliseconds. */
export type StageTimings = KioskEvent['timings']

export const noTimings = (): StageTimings => ({
  decodeMs: 0,
  verifyMs: 0,
  detectMs: 0,
  embedMs: 0,
  livenessMs: 0,
  matchMs: 0,
  totalMs: 0,
})

/** What the gate learned about the passenger besides the decision. */
export interface DecisionFacts {
  /** Match score, when the gate got that far. */
  score: number | null
  /** Signing key and hashed token id, once the token verified. */
  kid: string | null
  jtiHash: string | null
  /** A token id this kiosk consumed offline: it goes into the outbox with the decision. */
  offlineClaim?: OfflineJtiClaim | null
}

export interface RecordDeps {
  identity: KioskIdentity
  policy: Pick<FaceThresholds, 'model'>
  /** Epoch milliseconds the rules read (token times, key and offline freshness); a simulation can move it. */
  now: () => number
  /**
   * The wall clock a clearance event is stamped with (default: now). A simulation that moves `now` (a passenger
   * shown ten minutes later) keeps Date.now here: the server bounds occurredAt by its own clock.
   */
  eventClock?: () => number
  /** Offline mode: every decision is appended to the durable outbox before it is returned. */
  offline?: OfflinePort
}

/**
 * A decision as a clearance event. In offline mode there is no approval without a durable record: if the outbox
 * cannot take the decision, the passenger is referred (and that referral is what is returned).
 */
export function recordDecision(
  decision: Decision,
  facts: DecisionFacts,
  timings: StageTimings,
  deps: RecordDeps,
): ClearanceRecord {
  const record: ClearanceRecord = {
    eventId: randomUUID(),
    kioskId: deps.identity.kioskId,
    controlPoint: deps.identity.controlPoint,
    channel: 'contactless',
    ...decision,
    score: facts.score,
    modelVersion: `${deps.policy.model.name}@${deps.policy.model.version}`,
    kid: facts.kid,
    jtiHash: facts.jtiHash,
    occurredAt: Math.round((deps.eventClock ?? deps.now)()),
    timings,
  }
  return deps.offline ? recordDurably(record, facts.offlineClaim ?? null, deps.offline) : record
}

function recordDurably(record: ClearanceRecord, claim: OfflineJtiClaim | null, offline: OfflinePort): ClearanceRecord {
  try {
    offline.record(record, claim)
    return record
  } catch {
    const referred: ClearanceRecord = { ...record, decision: 'REFER_TO_OFFICER', reason: 'INTERNAL_ERROR' }
    try {
      offline.record(referred, claim)
    } catch {
      // The outbox is broken; the referral itself still stands.
    }
    return referred
  }
}
