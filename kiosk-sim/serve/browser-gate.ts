// The live gate (kiosk-sim/live/gate-state-machine.ts) over frames that arrive one HTTP request at a time from
// the kiosk screen: each JPEG is looked at for the work the state machine asks for (QR decode while waiting, face
// analysis while capturing), the token stages run when a QR is read, and the answer is the gate's public state.
// kiosk-sim/live/live-gate.ts does the same over an ffmpeg frame stream (raw frames, pulled); this adapter takes
// encoded frames, pushed, on the wall clock.
//
// Nothing personal leaves this module: the public state carries the step and the decision, never the token, the
// subject, the score, the reason or an image. Every failure refers the passenger: the gate fails closed.
import type { FaceAnalysis, FaceEngine } from '../../models/face-types.ts'
import type { Decision, DecisionKind } from '../decision-types.ts'
import {
  frameWork,
  initialGateState,
  stepGate,
  type GateInput,
  type GateOutcome,
  type GatePhase,
  type GateState,
  type LiveGateConfig,
} from '../gate/gate-state-machine.ts'
import type { TokenAdmission } from '../gate/admit-token.ts'
import type { ClearanceRecord, DecisionFacts, StageTimings } from '../gate/clearance-record.ts'

/** What the kiosk screen may know. */
export interface PublicState {
  phase: GatePhase
  /** The decision on show (DECIDED only). */
  decision: DecisionKind | null
  /** Increments with every decision, so that a screen can tell two decisions apart. */
  decisionSeq: number
  /** The gate's time on the frame just posted, ms (null for a state read or a skipped frame). */
  frameMs: number | null
  /** True when the frame was not looked at (the gate was busy with the previous one, verifying, or showing a decision). */
  skipped: boolean
}

export interface BrowserGateDeps {
  engine: FaceEngine
  config: LiveGateConfig
  /** kiosk-sim/qr.ts decodeQr: null when no QR can be read; rejects for an unusable image. */
  decodeQr: (jpeg: Uint8Array) => Promise<{ text: string; ms: number } | null>
  /** admitToken with its deps bound. */
  verify: (qrText: string) => Promise<TokenAdmission>
  /** recordDecision with its deps bound. */
  record: (decision: Decision, facts: DecisionFacts, timings: StageTimings) => ClearanceRecord
  /** Gets each decision (to the event reporter). */
  onDecision: (record: ClearanceRecord, outcome: GateOutcome) => void
  /** Wall clock, epoch ms. */
  now?: () => number
}

interface Session {
  timings: StageTimings
  /** The look for a face beside the phone, on the frame that read the QR: in totalMs, not in the stage sums. */
  qrFaceMs: number
  kid: string | null
  jtiHash: string | null
}

const newSession = (): Session => ({
  timings: { decodeMs: 0, verifyMs: 0, detectMs: 0, embedMs: 0, livenessMs: 0, matchMs: 0, totalMs: 0 },
  qrFaceMs: 0,
  kid: null,
  jtiHash: null,
})

export class BrowserGate {
  #state: GateState = initialGateState()
  #session = newSession()
  #decisionSeq = 0
  #busy = false
  readonly #deps: BrowserGateDeps
  readonly #now: () => number

  constructor(deps: BrowserGateDeps) {
    this.#deps = deps
    this.#now = deps.now ?? (() => Date.now())
  }

  /** The public state; time passes for the gate too (a decision's hold ends, a capture window closes). */
  state(frameMs: number | null = null, skipped = false): PublicState {
    if (!this.#busy) this.#apply({ type: 'tick', at: this.#now() })
    const s = this.#state
    return {
      phase: s.phase,
      decision: s.phase === 'DECIDED' ? s.outcome.decision.decision : null,
      decisionSeq: this.#decisionSeq,
      frameMs,
      skipped,
    }
  }

  /** One camera frame (JPEG, PNG or WebP). One at a time: a frame that arrives while the gate works is skipped. */
  async onFrame(frame: Uint8Array): Promise<PublicState> {
    if (this.#busy) return this.state(null, true)
    this.#apply({ type: 'tick', at: this.#now() })
    const work = frameWork(this.#state)
    if (work === 'none') return this.state(null, true)
    this.#busy = true
    const started = performance.now()
    try {
      this.#apply(await this.#analyse(frame, work))
      const current = this.#state as GateState
      if (current.phase === 'VERIFYING') await this.#verify(current.session.qrText)
    } finally {
      this.#busy = false
    }
    return this.state(round(performance.now() - started))
  }

  async #analyse(frame: Uint8Array, work: 'qr' | 'faces'): Promise<GateInput> {
    const at = this.#now()
    try {
      if (work === 'qr') {
        const qr = await this.#deps.decodeQr(frame).catch(() => null) // an unusable frame is just not a QR
        const state = this.#state
        const isNew = qr !== null && !(state.phase === 'WAITING_FOR_QR' && qr.text === state.lastQrText)
        if (!isNew) return { type: 'frame', at, qrText: qr?.text ?? null }
        this.#session = newSession()
        this.#session.timings.decodeMs = round(qr.ms)
        // The face seen beside the phone, to compare with the face captured next (FACE_CHANGED).
        const faces = await this.#deps.engine.analyze(frame).catch(() => null)
        if (faces) this.#session.qrFaceMs = round(analysisMs(faces))
        return {
          type: 'frame',
          at,
          qrText: qr.text,
          ...(faces ? { faces: { faces: faces.faces, model: faces.model } } : {}),
        }
      }
      const analysis = await this.#deps.engine.analyze(frame)
      this.#addFaceTimings(analysis)
      return { type: 'frame', at, faces: { faces: analysis.faces, model: analysis.model } }
    } catch {
      return { type: 'failed', at: this.#now(), stage: work }
    }
  }

  async #verify(qrText: string): Promise<void> {
    const started = performance.now()
    try {
      const verification = await this.#deps.verify(qrText)
      this.#session.timings.verifyMs = round(verification.verifyMs)
      this.#session.kid = verification.kid
      this.#session.jtiHash = verification.jtiHash
      this.#apply({ type: 'verified', at: this.#now(), outcome: verification })
    } catch {
      this.#session.timings.verifyMs = round(performance.now() - started)
      this.#apply({ type: 'failed', at: this.#now(), stage: 'verify' })
    }
  }

  #apply(input: GateInput): void {
    const step = stepGate(this.#state, input, this.#deps.config)
    this.#state = step.state
    if (!step.decided) return
    this.#decisionSeq++
    const { timings, kid, jtiHash, qrFaceMs } = this.#session
    // As in the camera gate, detect, embed and liveness are sums over the capture frames. totalMs is the gate's own
    // work for this passenger (QR read and the look beside the phone, token stages, capture frames), not the
    // seconds the passenger takes to lower the phone and face the camera.
    timings.totalMs = round(
      qrFaceMs +
        timings.decodeMs +
        timings.verifyMs +
        timings.detectMs +
        timings.embedMs +
        timings.livenessMs +
        timings.matchMs,
    )
    try {
      this.#deps.onDecision(
        this.#deps.record(step.decided.decision, { score: step.decided.score, kid, jtiHash }, timings),
        step.decided,
      )
    } catch {
      // Reporting must not stop the gate; the decision is on show regardless.
    }
    this.#session = newSession()
  }

  #addFaceTimings(analysis: FaceAnalysis): void {
    const t = this.#session.timings
    t.detectMs = round(t.detectMs + analysis.timings.decodeMs + analysis.timings.detectMs)
    t.embedMs = round(t.embedMs + analysis.timings.embedMs)
    t.livenessMs = round(t.livenessMs + analysis.timings.livenessMs)
  }
}

function analysisMs(analysis: FaceAnalysis): number {
  const t = analysis.timings
  return t.decodeMs + t.detectMs + t.embedMs + t.livenessMs
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
