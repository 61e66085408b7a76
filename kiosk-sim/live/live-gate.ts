// The live gate's adapter: camera frames in, the state machine stepped, decisions out as clearance records.
// It does the I/O the state machine asks for: QR decode while waiting, the token stages (pipeline), the face
// engine while capturing. Whatever throws becomes a `failed` input, which refers the passenger.
import sharp from 'sharp'
import type { OfflineJtiClaim } from '../../lib/outbox-chain.ts'
import type { FaceAnalysis } from '../../models/face-types.ts'
import { admitToken } from '../gate/admit-token.ts'
import type { GateDeps } from '../gate/clear-passenger.ts'
import { recordDecision, type ClearanceRecord } from '../gate/clearance-record.ts'
import { decodeQr } from '../qr.ts'
import type { RawFrame } from '../sources/ffmpeg-frames.ts'
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
} from '../gate/gate-state-machine.ts'

export interface LiveGateDeps extends GateDeps {
  config: LiveGateConfig
  /**
   * The gate's clock. `stream`: a video file's own time (the capture window is video time, however fast the file
   * is read, so a run is repeatable); `wall`: a camera's, Date.now().
   */
  clock: 'stream' | 'wall'
}

/** One frame's work, for the per-frame latency figures. */
export interface FrameLatency {
  index: number
  phase: GatePhase
  work: FrameWork
  /** Wall time spent on the frame: JPEG encode, QR decode and/or face analysis. */
  ms: number
  /** While waiting: whether a QR was read (frames without one cost the decoder every attempt). */
  qrRead?: boolean
  /** While waiting: the QR decoder's own time (image decode and every attempt), without the JPEG encode. */
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

export interface LiveGateHooks {
  onDecision?: (decision: LiveDecision) => void
  onFrame?: (latency: FrameLatency) => void
}

export interface LiveGateResult {
  decisions: LiveDecision[]
  frames: number
  latencies: FrameLatency[]
}

/** JPEG quality of the frame handed to the QR decoder and the face engine (both take encoded images). */
const FRAME_JPEG_QUALITY = 92

/**
 * Runs the gate over a frame stream until it ends. When it ends mid-session, the time limits are applied at once:
 * the passenger in the gate is decided (referred if nothing more is known), never left pending. When the stream
 * fails, the passenger in the gate is referred (INTERNAL_ERROR) and the promise rejects with the stream's error.
 */
export async function runLiveGate(
  frames: AsyncIterable<RawFrame> | Iterable<RawFrame>,
  deps: LiveGateDeps,
  hooks: LiveGateHooks = {},
): Promise<LiveGateResult> {
  const result: LiveGateResult = { decisions: [], frames: 0, latencies: [] }
  let state: GateState = initialGateState()
  let session = newSessionTimings()
  let lastAt = 0

  const apply = (input: GateInput) => {
    const step = stepGate(state, input, deps.config)
    state = step.state
    if (!step.decided) return
    const decision = toDecision(step.decided, session, deps)
    result.decisions.push(decision)
    hooks.onDecision?.(decision)
    session = newSessionTimings()
  }

  try {
    for await (const frame of frames) {
      result.frames++
      const at = timeOf(deps, frame)
      lastAt = at
      const work = frameWork(state)
      const phase = state.phase
      const started = performance.now()
      const probe: FrameProbe = {}
      const input = await analyseFrame(frame, at, work, state, session, deps, probe)
      if (work !== 'none') {
        const latency: FrameLatency = { index: frame.index, phase, work, ms: round(performance.now() - started) }
        if (work === 'qr' && input.type === 'frame') latency.qrRead = Boolean(input.qrText)
        if (probe.qrMs !== undefined) latency.qrMs = probe.qrMs
        if (work === 'faces' && input.type === 'frame') latency.faces = input.faces?.faces.length ?? 0
        result.latencies.push(latency)
        hooks.onFrame?.(latency)
      }
      apply(input)
      // `state` changes inside apply(): read it afresh.
      const current = state as GateState
      if (current.phase === 'VERIFYING') {
        if (phase === 'WAITING_FOR_QR') session.startedAt = started
        const verifying = current
        const verifyStarted = performance.now()
        try {
          const verification = await admitToken(verifying.session.qrText, deps)
          session.verifyMs = verification.verifyMs
          session.kid = verification.kid
          session.jtiHash = verification.jtiHash
          session.offlineClaim = verification.offlineClaim ?? null
          apply({ type: 'verified', at: timeOf(deps, frame), outcome: verification })
        } catch {
          session.verifyMs = round(performance.now() - verifyStarted)
          apply({ type: 'failed', at: timeOf(deps, frame), stage: 'verify' })
        }
      }
    }
  } catch (error) {
    // The source failed (ffmpeg died, the camera went away): the passenger in the gate is referred, then the
    // error goes on to the caller.
    apply({ type: 'failed', at: lastAt, stage: 'source' })
    throw error
  }
  // End of stream: let every time limit pass, so that a session in progress is decided (fails closed).
  const end = lastAt + deps.config.verifyTimeoutMs + deps.config.faceWindowMs + 1
  apply({ type: 'tick', at: end })
  return result
}

interface SessionTimings {
  startedAt: number
  decodeMs: number
  verifyMs: number
  detectMs: number
  embedMs: number
  livenessMs: number
  faceFrames: number
  kid: string | null
  jtiHash: string | null
  offlineClaim: OfflineJtiClaim | null
}

function newSessionTimings(): SessionTimings {
  return {
    startedAt: 0,
    decodeMs: 0,
    verifyMs: 0,
    detectMs: 0,
    embedMs: 0,
    livenessMs: 0,
    faceFrames: 0,
    kid: null,
    jtiHash: null,
    offlineClaim: null,
  }
}

/** Measurements of one frame's work that the state machine does not need. */
interface FrameProbe {
  qrMs?: number
}

/** The work the state machine asked for, on one frame, as the state machine's input. */
async function analyseFrame(
  frame: RawFrame,
  at: number,
  work: FrameWork,
  state: GateState,
  session: SessionTimings,
  deps: LiveGateDeps,
  probe: FrameProbe,
): Promise<GateInput> {
  if (work === 'none') return { type: 'tick', at }
  try {
    const jpeg = await encodeFrame(frame)
    if (work === 'qr') {
      const qrStarted = performance.now()
      const qr = await decodeQr(jpeg)
      probe.qrMs = round(performance.now() - qrStarted)
      const isNew = qr !== null && !(state.phase === 'WAITING_FOR_QR' && qr.text === state.lastQrText)
      if (!isNew) return { type: 'frame', at, qrText: qr?.text ?? null }
      session.decodeMs = round(qr.ms)
      // The face seen while the phone is shown, to compare with the face captured next.
      const faces = await deps.engine.analyze(jpeg).catch(() => null)
      return {
        type: 'frame',
        at,
        qrText: qr.text,
        faces: faces ? { faces: faces.faces, model: faces.model } : undefined,
      }
    }
    const analysis = await deps.engine.analyze(jpeg)
    addFaceTimings(session, analysis)
    return { type: 'frame', at, faces: { faces: analysis.faces, model: analysis.model } }
  } catch {
    return { type: 'failed', at, stage: work }
  }
}

function addFaceTimings(session: SessionTimings, analysis: FaceAnalysis): void {
  session.faceFrames++
  session.detectMs = round(session.detectMs + analysis.timings.decodeMs + analysis.timings.detectMs)
  session.embedMs = round(session.embedMs + analysis.timings.embedMs)
  session.livenessMs = round(session.livenessMs + analysis.timings.livenessMs)
}

function toDecision(outcome: GateOutcome, session: SessionTimings, deps: LiveGateDeps): LiveDecision {
  const totalMs = session.startedAt > 0 ? round(performance.now() - session.startedAt) : 0
  const timings = {
    decodeMs: session.decodeMs,
    verifyMs: session.verifyMs,
    detectMs: session.detectMs,
    embedMs: session.embedMs,
    livenessMs: session.livenessMs,
    matchMs: 0,
    totalMs,
  }
  const record = recordDecision(
    outcome.decision,
    { score: outcome.score, kid: session.kid, jtiHash: session.jtiHash, offlineClaim: session.offlineClaim },
    timings,
    deps,
  )
  return { record, outcome, faceFrames: session.faceFrames }
}

/** Stream time does not move while the gate works on a frame; the wall clock does. */
function timeOf(deps: LiveGateDeps, frame: RawFrame): number {
  return deps.clock === 'wall' ? Date.now() : frame.streamMs
}

async function encodeFrame(frame: RawFrame): Promise<Buffer> {
  return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: frame.channels } })
    .jpeg({ quality: FRAME_JPEG_QUALITY })
    .toBuffer()
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}
