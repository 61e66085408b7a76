// The per-frame gate: camera frames in, the state machine stepped, decisions out as clearance records. It does the
// I/O the state machine asks for on each frame (QR decode while waiting, the face engine while capturing) and the
// token stages once a QR is read. Whatever throws becomes a `failed` input, which refers the passenger. The camera
// gates are loops over it: live/live-gate.ts (ffmpeg frames, pulled) and serve/browser-gate.ts (posted frames).
import { randomInt } from 'node:crypto'
import { round } from '../../lib/format.ts'
import type { FaceEngine, FrameImage } from '../../models/face-types.ts'
import type { Decision } from '../../contract/decision-reasons.ts'
import { decodeQr } from '../qr.ts'
import { admitToken, type TokenAdmission } from './admit-token.ts'
import type { GateDeps } from './gate-deps.ts'
import { recordDecision, type ClearanceRecord, type DecisionFacts, type StageTimings } from './clearance-record.ts'
import { GateSession } from './gate-session.ts'
import { pickChallenge } from './liveness-challenge.ts'
import {
  frameWork,
  initialGateState,
  stepGate,
  type FrameWork,
  type GateInput,
  type GateOutcome,
  type GatePhase,
  type GateState,
  type LiveGateConfig,
} from './gate-state-machine.ts'

export interface GateDriverDeps {
  engine: Pick<FaceEngine, 'analyze'>
  /** kiosk-sim/qr.ts decodeQr: null when no QR can be read; rejects for an unusable frame. */
  decodeQr: (frame: FrameImage) => Promise<{ text: string; ms: number } | null>
  /** admitToken with its deps bound. */
  admit: (qrText: string) => Promise<TokenAdmission>
  /** recordDecision with its deps bound. */
  record: (decision: Decision, facts: DecisionFacts, timings: StageTimings) => ClearanceRecord
  config: LiveGateConfig
  /**
   * The gate's clock, ms: the wall clock for a camera or the browser; a video file's own time, so that a run is
   * repeatable however fast the file is read (stream time does not move while the gate works on a frame).
   */
  now: () => number
  /**
   * A uniform number in [0, 1) that picks each passenger's liveness challenge. Default: crypto random, so that the
   * action cannot be known before the QR is read; tests fix it.
   */
  random?: () => number
}

const RANDOM_RANGE = 2 ** 32

/** Crypto random in [0, 1). */
export const cryptoRandom = (): number => randomInt(RANDOM_RANGE) / RANDOM_RANGE

/** The driver's I/O for a kiosk: its engine, the QR decoder, and admitToken and recordDecision over its deps. */
export function gateWork(deps: GateDeps): Pick<GateDriverDeps, 'engine' | 'decodeQr' | 'admit' | 'record'> {
  return {
    engine: deps.engine,
    decodeQr,
    admit: (qrText) => admitToken(qrText, deps),
    record: (decision, facts, timings) => recordDecision(decision, facts, timings, deps),
  }
}

/** One frame's work, for the per-frame latency figures. */
export interface FrameLatency {
  index: number
  phase: GatePhase
  work: FrameWork
  /** Wall time spent on the frame: QR decode and/or face analysis. */
  ms: number
  /** While waiting: whether a QR was read (frames without one cost the decoder every attempt). */
  qrRead?: boolean
  /** While waiting: the QR decoder's own time (the frame's decode or conversion, and every attempt). */
  qrMs?: number
  /** While capturing: faces the engine found. */
  faces?: number
}

export interface LiveDecision {
  record: ClearanceRecord
  outcome: GateOutcome
  /** Frames analysed for faces in this session. */
  faceFrames: number
}

export interface Offered {
  /** Set when this frame, or the time that passed before it, decided. */
  decided: LiveDecision | null
  /** The frame's work; null when the frame was not looked at (verifying, or a decision on show). */
  latency: FrameLatency | null
}

export class GateDriver {
  #state: GateState = initialGateState()
  #session = new GateSession()
  #offered = 0
  readonly #deps: GateDriverDeps

  constructor(deps: GateDriverDeps) {
    this.#deps = deps
  }

  get state(): GateState {
    return this.#state
  }

  /** The work the next frame gets; 'none': it would not be looked at. */
  get work(): FrameWork {
    return frameWork(this.#state)
  }

  /**
   * One camera frame: time passes to now (a hold ends, a capture window closes), then the frame gets the work the
   * state machine asks for, then the token stages run if it read a new QR. At most one decision comes of it. The
   * QR decoder and the face engine get the same frame: raw pixels (decoded once) are read by both as they are.
   */
  async offer(frame: FrameImage, index = this.#offered): Promise<Offered> {
    this.#offered++
    const at = this.#deps.now()
    const ticked = this.tick(at)
    const work = frameWork(this.#state)
    if (ticked || work === 'none') return { decided: ticked, latency: null }
    const latency: FrameLatency = { index, phase: this.#state.phase, work, ms: 0 }
    const started = performance.now()
    const input = await this.#analyse(frame, at, work, latency)
    latency.ms = round(performance.now() - started)
    if (input.type === 'frame' && work === 'qr') latency.qrRead = Boolean(input.qrText)
    if (input.type === 'frame' && work === 'faces') latency.faces = input.faces?.faces.length ?? 0
    const decided = this.#apply(input)
    const state = this.#state
    if (decided || state.phase !== 'VERIFYING') return { decided, latency }
    return { decided: await this.#admit(state.session.qrText), latency }
  }

  /** Time passes without a frame. */
  tick(at: number = this.#deps.now()): LiveDecision | null {
    return this.#apply({ type: 'tick', at })
  }

  /** Something outside the driver failed (the frame source, a frame's decode): the passenger is referred. */
  fail(stage: string, at: number = this.#deps.now()): LiveDecision | null {
    return this.#apply({ type: 'failed', at, stage })
  }

  /** The work the state machine asked for, on one frame, as the state machine's input. */
  async #analyse(frame: FrameImage, at: number, work: 'qr' | 'faces', latency: FrameLatency): Promise<GateInput> {
    try {
      if (work === 'qr') {
        const qrStarted = performance.now()
        const qr = await this.#deps.decodeQr(frame)
        latency.qrMs = round(performance.now() - qrStarted)
        const state = this.#state
        const isNew = qr !== null && !(state.phase === 'WAITING_FOR_QR' && qr.text === state.lastQrText)
        if (!isNew) return { type: 'frame', at, qrText: qr?.text ?? null }
        // The face seen beside the phone, to compare with the face captured next (FACE_CHANGED).
        const look = await this.#deps.engine.analyze(frame).catch(() => null)
        this.#session = new GateSession()
        this.#session.qrRead(qr.ms, look)
        const faces = look ? { faces: { faces: look.faces, model: look.model } } : {}
        const challenge = pickChallenge((this.#deps.random ?? cryptoRandom)())
        return { type: 'frame', at, qrText: qr.text, challenge, ...faces }
      }
      const analysis = await this.#deps.engine.analyze(frame)
      this.#session.captured(analysis)
      return { type: 'frame', at, faces: { faces: analysis.faces, model: analysis.model } }
    } catch {
      return { type: 'failed', at, stage: work }
    }
  }

  async #admit(qrText: string): Promise<LiveDecision | null> {
    const started = performance.now()
    try {
      const admission = await this.#deps.admit(qrText)
      this.#session.admitted(admission)
      return this.#apply({ type: 'verified', at: this.#deps.now(), outcome: admission })
    } catch {
      this.#session.admissionFailed(performance.now() - started)
      return this.#apply({ type: 'failed', at: this.#deps.now(), stage: 'verify' })
    }
  }

  #apply(input: GateInput): LiveDecision | null {
    const step = stepGate(this.#state, input, this.#deps.config)
    this.#state = step.state
    if (!step.decided) return null
    const session = this.#session
    const facts = { score: step.decided.score, ...session.facts }
    const record = this.#deps.record(step.decided.decision, facts, session.final())
    return { record, outcome: step.decided, faceFrames: session.faceFrames }
  }
}
