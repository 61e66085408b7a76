// What the gate asks of offline mode. The gate declares it and kiosk-sim/offline/ implements it (OfflineMode), so
// that the gate's flows do not depend on how the caches, the offline policy and the outbox are kept.
import type { OfflineJtiClaim } from '../../lib/outbox-chain.ts'
import type { TokenClaims } from '../../tokens/token-profile.ts'
import type { ReferReason } from '../../contract/decision-reasons.ts'
import type { KioskEvent } from '../kiosk-server-client.ts'
import type { LedgerOutcome, TemplateOutcome } from './decide.ts'

/** What the server said at admission ('unavailable' where it could not be asked), with the kiosk's view. */
export interface AdmissionInput {
  claims: TokenClaims
  jtiHash: string
  keysFresh: boolean
  /** The kiosk's wall clock, epoch ms. */
  nowMs: number
  ledger: LedgerOutcome
  template: TemplateOutcome
  embedding: Float32Array | null
  /** True when whatever failed failed as an outage (network, timeout, 5xx), not as a refusal. */
  outage: boolean
}

export interface Admission {
  ledger: LedgerOutcome
  template: TemplateOutcome
  embedding: Float32Array | null
  /** Offline work was refused: the passenger goes to an officer with this reason. */
  refusal: ReferReason | null
  /**
   * The token id this kiosk consumed in the server's place; it travels in the outbox, and the server consumes it at
   * sync.
   */
  claim: OfflineJtiClaim | null
}

export interface OfflinePort {
  /** Refreshes what offline admission relies on (the revocation list) when it is due. */
  refreshIfDue(): Promise<void>
  /** Learns from an online admission; in an outage, admits from what it learned if the offline policy allows. */
  admit(input: AdmissionInput): Admission
  /** Keeps a decision durably; the gate opens only once this has returned. Throws when it cannot. */
  record(event: KioskEvent, claim: OfflineJtiClaim | null): void
}
