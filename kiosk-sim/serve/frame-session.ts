// One gate over a stream of camera frames (the browser's webcam, posted one JPEG at a time): waits for a
// readable QR, then lets clearPassenger run, handing it the first camera frame that shows a face, and holds
// the decision on screen for a while before the next passenger. Built on clearPassenger directly: the frame
// state machine of kiosk-sim/live was not on the branch when this was written (see README).
//
// Nothing personal leaves this module: the public state carries the step and the decision, never the token,
// the subject, the score or an image. Every failure ends in REFER_TO_OFFICER: the gate fails closed.
import { distinctFaces } from '../../models/distinct-faces.ts'
import type { FaceAnalysis, FaceEngine } from '../../models/face-types.ts'
import type { Decision } from '../decision-types.ts'
import type { KioskPolicy } from '../kiosk-policy.ts'
import type { ClearanceRecord, PassengerFrames } from '../pipeline.ts'

export type Phase = 'WAITING_FOR_QR' | 'CAPTURING_FACE' | 'DECIDING' | 'DECIDED'
export type DecisionKind = Decision['decision']

/** What the kiosk screen may know. */
export interface PublicState {
  phase: Phase
  /** The decision being shown (DECIDED only). */
  decision: DecisionKind | null
  /** Increments with every decision, so that a screen can tell two decisions apart. */
  decisionSeq: number
  /** Server-side time spent on the frame just posted, ms (null for a state read or a skipped frame). */
  frameMs: number | null
  /** True when the frame was not looked at (the gate was busy with the previous one, or showing a decision). */
  skipped: boolean
}

export interface FrameSessionDeps {
  engine: FaceEngine
  policy: KioskPolicy
  /** kiosk-sim/qr.ts decodeQr: null when no QR can be read; rejects for an unusable image. */
  decodeQr: (frame: Uint8Array) => Promise<{ text: string } | null>
  /** clearPassenger with its deps bound, except the engine, which the session supplies. */
  clear: (frames: PassengerFrames, engine: FaceEngine) => Promise<ClearanceRecord>
  /** Gets each decision (to the event reporter). */
  onDecision: (record: ClearanceRecord) => void
  /** How long a decision stays on screen. Default 4 s. */
  holdMs?: number
  /** Frames without a face after the QR before the gate gives up (NO_FACE). Default 8 s. */
  faceTimeoutMs?: number
  now?: () => number
}

interface Capture {
  resolve: (analysis: FaceAnalysis) => void
  reject: (error: Error) => void
  /** When clearPassenger asked for the face (performance.now()), or null if it has not yet. */
  askedAt: number | null
  startedAt: number
  last: FaceAnalysis | null
}

export class FrameSession {
  #phase: Phase = 'WAITING_FOR_QR'
  #decision: DecisionKind | null = null
  #decisionSeq = 0
  #decidedAt = 0
  #busy = false
  #capture: Capture | null = null
  #outcome: Promise<void> | null = null
  /** When the frame that resolved the face capture was taken (performance.now()). */
  #faceSeenAt = 0
  readonly #deps: FrameSessionDeps
  readonly #holdMs: number
  readonly #faceTimeoutMs: number
  readonly #now: () => number

  constructor(deps: FrameSessionDeps) {
    this.#deps = deps
    this.#holdMs = deps.holdMs ?? 4_000
    this.#faceTimeoutMs = deps.faceTimeoutMs ?? 8_000
    this.#now = deps.now ?? (() => performance.now())
  }

  state(frameMs: number | null = null, skipped = false): PublicState {
    this.#expireHold()
    return { phase: this.#phase, decision: this.#decision, decisionSeq: this.#decisionSeq, frameMs, skipped }
  }

  /** One camera frame. Frames are looked at one at a time; a frame that arrives while the gate is busy is skipped. */
  async onFrame(frame: Uint8Array): Promise<PublicState> {
    this.#expireHold()
    if (this.#busy || this.#phase === 'DECIDED' || this.#phase === 'DECIDING') return this.state(null, true)
    this.#busy = true
    const started = this.#now()
    try {
      if (this.#phase === 'WAITING_FOR_QR') await this.#lookForQr(frame)
      else if (this.#phase === 'CAPTURING_FACE') await this.#lookForFace(frame)
    } finally {
      this.#busy = false
    }
    return this.state(round(this.#now() - started))
  }

  async #lookForQr(frame: Uint8Array): Promise<void> {
    let qr: { text: string } | null = null
    try {
      qr = await this.#deps.decodeQr(frame)
    } catch {
      return // an unusable frame is just not a QR; the next one may be
    }
    if (!qr) return
    this.#phase = 'CAPTURING_FACE'
    const capture: Capture = { resolve: () => undefined, reject: () => undefined, askedAt: null, startedAt: this.#now(), last: null }
    const face = new Promise<FaceAnalysis>((resolve, reject) => {
      capture.resolve = resolve
      capture.reject = reject
    })
    face.catch(() => undefined)
    this.#capture = capture
    let asked!: () => void
    const faceAsked = new Promise<void>((resolve) => (asked = resolve))
    // The pipeline asks the engine for "the face"; the session answers with the first frame that shows one.
    const waitingEngine: FaceEngine = {
      model: this.#deps.engine.model,
      analyze: () => {
        capture.askedAt ??= this.#now()
        asked()
        return face
      },
      close: async () => undefined,
    }
    const faceWaitMs = () => (capture.askedAt === null ? 0 : Math.max(0, this.#faceSeenAt - capture.askedAt))
    this.#faceSeenAt = 0
    this.#outcome = this.#deps
      .clear({ qrFrame: frame, faceFrame: frame }, waitingEngine)
      .then((record) => {
        // The passenger's own time (turning from the phone to the camera) is not gate latency.
        record.timings.totalMs = round(Math.max(0, record.timings.totalMs - faceWaitMs()))
        return record
      })
      .catch((): ClearanceRecord | null => null)
      .then((record) => this.#decide(record))
    // A bad token decides without any face (answer this frame with the decision); a good one asks for the face.
    await Promise.race([this.#outcome, faceAsked])
  }

  async #lookForFace(frame: Uint8Array): Promise<void> {
    const capture = this.#capture
    if (!capture) return
    let analysis: FaceAnalysis
    try {
      analysis = await this.#deps.engine.analyze(frame)
    } catch (error) {
      if (this.#capture !== capture) return
      this.#phase = 'DECIDING'
      capture.reject(error as Error)
      await this.#outcome
      return
    }
    // The ledger or the template may have decided meanwhile (replayed, revoked): that passenger is done.
    if (this.#capture !== capture) return
    capture.last = analysis
    const present = distinctFaces(analysis.faces, this.#deps.policy.minDetectorScore, this.#deps.policy.minFaceSizePx / 2)
    const timedOut = this.#now() - capture.startedAt >= this.#faceTimeoutMs
    if (present.length === 0 && !timedOut) return
    this.#phase = 'DECIDING'
    this.#faceSeenAt = this.#now() - analysisMs(analysis)
    capture.resolve(analysis)
    // The decision follows within a few ms (the ledger and template answers are already in): answer this
    // frame with it, so that the screen measures capture to decision.
    await this.#outcome
  }

  #decide(record: ClearanceRecord | null): void {
    const decided: ClearanceRecord['decision'] = record?.decision ?? 'REFER_TO_OFFICER'
    this.#phase = 'DECIDED'
    this.#decision = decided
    this.#decisionSeq++
    this.#decidedAt = this.#now()
    this.#capture = null
    if (record) this.#deps.onDecision(record)
  }

  #expireHold(): void {
    if (this.#phase === 'DECIDED' && this.#now() - this.#decidedAt >= this.#holdMs) {
      this.#phase = 'WAITING_FOR_QR'
      this.#decision = null
    }
  }
}

function analysisMs(analysis: FaceAnalysis): number {
  const t = analysis.timings
  return t.decodeMs + t.detectMs + t.embedMs + t.livenessMs
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
