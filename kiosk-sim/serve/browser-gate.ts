// The live gate over frames that arrive one HTTP request at a time from the kiosk screen, on the wall clock: each
// frame is decoded once, offered to the gate driver (QR decoder and face engine read the same pixels), one at a
// time, and the answer is the gate's public state.
//
// Nothing personal leaves this module: the public state carries the step and the decision, never the token, the
// subject, the score, the reason or an image. Every failure refers the passenger: the gate fails closed.
import { round } from '../../lib/format.ts'
import type { FrameImage } from '../../models/face-types.ts'
import type { DecisionKind } from '../../contract/decision-reasons.ts'
import type { ClearanceRecord } from '../gate/clearance-record.ts'
import { GateDriver, type GateDriverDeps, type LiveDecision } from '../gate/gate-driver.ts'
import type { GateOutcome, GatePhase } from '../gate/gate-state-machine.ts'
import { CHALLENGE_INSTRUCTIONS } from '../gate/liveness-challenge.ts'

/** What the kiosk screen may know. */
export interface PublicState {
  phase: GatePhase
  /** The decision on show (DECIDED only). */
  decision: DecisionKind | null
  /** What the traveller must do now: the liveness challenge's action (CHALLENGING only). */
  instruction: string | null
  /** Increments with every decision, so that a screen can tell two decisions apart. */
  decisionSeq: number
  /** The gate's time on the frame just posted, ms (null for a state read or a skipped frame). */
  frameMs: number | null
  /** True when the frame was not looked at (the gate was busy with the previous one, or a decision is on show). */
  skipped: boolean
}

export interface BrowserGateDeps extends Omit<GateDriverDeps, 'now'> {
  /** An encoded frame to the pixels both the QR decoder and the face engine read; rejects for an unusable frame. */
  decodeFrame: (encoded: Uint8Array) => Promise<FrameImage>
  /** Gets each decision (to the event reporter). */
  onDecision: (record: ClearanceRecord, outcome: GateOutcome) => void
  /** Wall clock, epoch ms. */
  now?: () => number
}

export class BrowserGate {
  readonly #driver: GateDriver
  readonly #decodeFrame: BrowserGateDeps['decodeFrame']
  readonly #onDecision: BrowserGateDeps['onDecision']
  #decisionSeq = 0
  #busy = false

  constructor(deps: BrowserGateDeps) {
    this.#driver = new GateDriver({ ...deps, now: deps.now ?? (() => Date.now()) })
    this.#decodeFrame = deps.decodeFrame
    this.#onDecision = deps.onDecision
  }

  /** The public state; time passes for the gate too (a decision's hold ends, a capture window closes). */
  state(frameMs: number | null = null, skipped = false): PublicState {
    if (!this.#busy) this.#report(this.#driver.tick())
    const s = this.#driver.state
    return {
      phase: s.phase,
      decision: s.phase === 'DECIDED' ? s.outcome.decision.decision : null,
      instruction: s.phase === 'CHALLENGING' ? CHALLENGE_INSTRUCTIONS[s.challenge.kind] : null,
      decisionSeq: this.#decisionSeq,
      frameMs,
      skipped,
    }
  }

  /** One camera frame (JPEG, PNG or WebP). One at a time: a frame that arrives while the gate works is skipped. */
  async onFrame(frame: Uint8Array): Promise<PublicState> {
    if (this.#busy) return this.state(null, true)
    this.#report(this.#driver.tick())
    if (this.#driver.work === 'none') return this.state(null, true)
    this.#busy = true
    const started = performance.now()
    try {
      const pixels = await this.#decodeFrame(frame).catch(() => null)
      // An unusable frame is no QR while waiting, and refers the passenger during capture, as a failed analysis.
      this.#report(pixels ? (await this.#driver.offer(pixels)).decided : this.#driver.fail('decode'))
    } finally {
      this.#busy = false
    }
    return this.state(round(performance.now() - started))
  }

  #report(decided: LiveDecision | null): void {
    if (!decided) return
    this.#decisionSeq++
    try {
      this.#onDecision(decided.record, decided.outcome)
    } catch {
      // Reporting must not stop the gate; the decision is on show regardless.
    }
  }
}
