// The live gate as a pure state machine over analysed camera frames:
//   WAITING_FOR_QR -> (QR read) VERIFYING -> (token admitted) CAPTURING_FACE -> (face matched) CHALLENGING
//   -> DECIDED -> (hold) WAITING_FOR_QR
// No I/O: the driver (gate-driver.ts) decodes QRs, runs the token stages and the face engine, and feeds what it
// learned here as inputs. Every rule about tokens, faces and scores is decide()'s; this
// file only adds what a frame stream needs: several frames per face, a changed face, time limits, reset, and the
// liveness challenge (liveness-challenge.ts) that an approval must answer when the config asks for one.
import type { DetectedFace, FaceModelId } from '../../models/face-types.ts'
import type { FrameFaces } from './frame-faces.ts'
import { averageEmbeddings, cosineSimilarity, isUsableEmbedding } from '../../models/match.ts'
import type { FaceThresholds } from '../../models/thresholds.ts'
import type { Decision } from '../../contract/decision-reasons.ts'
import { decide, faceToMatch, matchScore, refer, type ClearanceEvidence, type Verdict } from './decide.ts'
import { challengePhaseStep, type ChallengeRecord } from './challenge-phase.ts'
import {
  defaultChallengeConfig,
  startChallenge,
  type ChallengeConfig,
  type ChallengeKind,
  type ChallengeState,
} from './liveness-challenge.ts'

export type GatePhase = 'WAITING_FOR_QR' | 'VERIFYING' | 'CAPTURING_FACE' | 'CHALLENGING' | 'DECIDED'

export interface LiveGateConfig {
  policy: FaceThresholds
  /** Good face frames (one face, passing decide()'s face checks) fused into one embedding before matching. */
  framesToFuse: number
  /** Time from the start of capture within which the face must be seen; then the gate decides on what it has. */
  faceWindowMs: number
  /** Longest wait for the token stages (server round trips) before referring. */
  verifyTimeoutMs: number
  /** How long a decision stays on show before the gate waits for the next passenger. */
  holdMs: number
  /**
   * Cosine at or above which two faces of one session are the same person (the face seen with the phone vs the
   * face captured, and captured frames with each other). Two live frames are two single photos: the single-photo
   * 1:1 threshold (FMR 0.1%) applies; same camera, seconds apart, so genuine pairs clear it easily.
   */
  sameFaceThreshold: number
  /**
   * The liveness challenge a matched face must answer before an approval; null: the passive check only (a source
   * of still images cannot answer one).
   */
  challenge: ChallengeConfig | null
}

export function defaultLiveGateConfig(policy: FaceThresholds): LiveGateConfig {
  return {
    policy,
    framesToFuse: 3,
    faceWindowMs: 4000,
    verifyTimeoutMs: 10_000,
    holdMs: 2000,
    sameFaceThreshold: policy.singlePhotoMatchThreshold,
    challenge: defaultChallengeConfig(policy.singlePhotoMatchThreshold),
  }
}

/** What the token stages learned (admit-token.ts). */
export interface TokenOutcome {
  /** A decision, or PENDING with needs 'faces'. */
  verdict: Verdict
  evidence: ClearanceEvidence
  template: Float32Array | null
}

export type GateInput =
  /**
   * An analysed frame: `qrText` while waiting (null: no QR), `faces` when the adapter ran the engine on it, and
   * with a new QR the challenge the adapter drew at random for this passenger.
   */
  | { type: 'frame'; at: number; qrText?: string | null; faces?: FrameFaces; challenge?: ChallengeKind }
  | { type: 'verified'; at: number; outcome: TokenOutcome }
  /** An adapter stage threw (QR decode, token stages, face engine). */
  | { type: 'failed'; at: number; stage: string }
  /** Time passes without a frame. */
  | { type: 'tick'; at: number }

interface Session {
  qrText: string
  qrAt: number
  /** The one face seen in the frame where the QR was read, if there was exactly one. */
  faceAtQr: Float32Array | null
  /** The action this passenger will be asked for, if the face matches (drawn when the QR was read). */
  challenge: ChallengeKind
}

export type GateState =
  | { phase: 'WAITING_FOR_QR'; lastQrText: string | null }
  | { phase: 'VERIFYING'; session: Session }
  | {
      phase: 'CAPTURING_FACE'
      session: Session
      token: TokenOutcome
      startedAt: number
      samples: DetectedFace[]
      faceModel: FaceModelId | null
      lastRefusal: Decision | null
    }
  | {
      phase: 'CHALLENGING'
      session: Session
      token: TokenOutcome
      /** The approval that waits on the challenge. */
      approval: { score: number; framesFused: number }
      challenge: ChallengeState
    }
  | { phase: 'DECIDED'; session: Session; outcome: GateOutcome }

export interface GateOutcome {
  decision: Decision
  /** Match score of the fused face, when it got that far. */
  score: number | null
  framesFused: number
  qrAt: number
  decidedAt: number
  /** The liveness challenge, when one was asked: its action, result and (failed) why, frames seen. */
  challenge: ChallengeRecord | null
}

export interface GateStep {
  state: GateState
  /** Set on the step that enters DECIDED. */
  decided: GateOutcome | null
}

/** What the adapter should compute on the next frame. */
export type FrameWork = 'qr' | 'faces' | 'none'

export function initialGateState(): GateState {
  return { phase: 'WAITING_FOR_QR', lastQrText: null }
}

export function frameWork(state: GateState): FrameWork {
  if (state.phase === 'WAITING_FOR_QR') return 'qr'
  if (state.phase === 'CAPTURING_FACE' || state.phase === 'CHALLENGING') return 'faces'
  return 'none'
}

/** One input, one step. Pure; anything unexpected, even a bug here, refers the passenger: the gate fails closed. */
export function stepGate(state: GateState, input: GateInput, config: LiveGateConfig): GateStep {
  try {
    return transition(state, input, config)
  } catch {
    if (state.phase === 'WAITING_FOR_QR' || state.phase === 'DECIDED') return { state, decided: null }
    return decided(state.session, refer('INTERNAL_ERROR'), null, 0, input.at)
  }
}

function transition(state: GateState, input: GateInput, config: LiveGateConfig): GateStep {
  switch (state.phase) {
    case 'WAITING_FOR_QR':
      return waiting(state, input, config)
    case 'VERIFYING':
      return verifying(state, input, config)
    case 'CAPTURING_FACE':
      return capturing(state, input, config)
    case 'CHALLENGING':
      return challenging(state, input, config)
    case 'DECIDED':
      // The result is on show; then the gate is free again. The same token is not read twice in a row.
      if (input.at - state.outcome.decidedAt >= config.holdMs)
        return stay({ phase: 'WAITING_FOR_QR', lastQrText: state.session.qrText })
      return stay(state)
  }
}

function waiting(
  state: Extract<GateState, { phase: 'WAITING_FOR_QR' }>,
  input: GateInput,
  config: LiveGateConfig,
): GateStep {
  // No passenger is in the gate: a failed QR decode of one frame refers nobody; the next frame is read.
  if (input.type !== 'frame' || !input.qrText || input.qrText === state.lastQrText) return stay(state)
  const face = input.faces ? faceToMatch(input.faces.faces, config.policy) : null
  const faceAtQr = face && isUsableEmbedding(face.embedding, config.policy.embeddingLength) ? face.embedding : null
  // Without a drawn challenge (an adapter that draws none), the blink: never a free pass.
  const challenge = input.challenge ?? 'BLINK'
  return stay({ phase: 'VERIFYING', session: { qrText: input.qrText, qrAt: input.at, faceAtQr, challenge } })
}

function verifying(
  state: Extract<GateState, { phase: 'VERIFYING' }>,
  input: GateInput,
  config: LiveGateConfig,
): GateStep {
  const { session } = state
  if (input.type === 'failed') return decided(session, refer('INTERNAL_ERROR'), null, 0, input.at)
  if (input.type === 'verified') {
    const { verdict } = input.outcome
    if (verdict.decision !== 'PENDING') return decided(session, verdict, null, 0, input.at)
    if (verdict.needs !== 'faces' || !input.outcome.template)
      return decided(session, refer('INTERNAL_ERROR'), null, 0, input.at)
    return stay({
      phase: 'CAPTURING_FACE',
      session,
      token: input.outcome,
      startedAt: input.at,
      samples: [],
      faceModel: null,
      lastRefusal: null,
    })
  }
  if (input.at - session.qrAt > config.verifyTimeoutMs)
    return decided(session, refer('SERVER_UNAVAILABLE'), null, 0, input.at)
  return stay(state)
}

function capturing(
  state: Extract<GateState, { phase: 'CAPTURING_FACE' }>,
  input: GateInput,
  config: LiveGateConfig,
): GateStep {
  const { session } = state
  if (input.type === 'failed' || input.type === 'verified')
    return decided(session, refer('INTERNAL_ERROR'), null, state.samples.length, input.at)
  if (input.at - state.startedAt > config.faceWindowMs) return windowClosed(state, input.at, config)
  if (input.type === 'tick' || !input.faces) return stay(state)

  // decide() judges each frame's faces as if it were the only frame: several people, a spoof, a poor face.
  const evidence: ClearanceEvidence = {
    ...state.token.evidence,
    faces: input.faces.faces,
    faceModel: input.faces.model,
  }
  const verdict = decide(evidence, config.policy)
  if (verdict.decision !== 'PENDING') {
    // Nobody in view yet, or a face not good enough in this frame: the passenger may still be stepping in.
    if (verdict.reason === 'NO_FACE') return stay(state)
    if (verdict.reason === 'FACE_QUALITY_LOW' || verdict.reason === 'SPOOF_SUSPECTED')
      return stay({ ...state, lastRefusal: verdict })
    // MULTIPLE_FACES (someone stepped in), a model mismatch, or anything else ends the session at once.
    return decided(session, verdict, null, state.samples.length, input.at)
  }
  if (verdict.needs !== 'match') return decided(session, refer('INTERNAL_ERROR'), null, state.samples.length, input.at)

  const face = faceToMatch(input.faces.faces, config.policy)!
  const first = state.samples[0]
  if (first && cosineSimilarity(first.embedding, face.embedding) < config.sameFaceThreshold) {
    return decided(session, refer('FACE_CHANGED'), null, state.samples.length, input.at)
  }
  const next = { ...state, samples: [...state.samples, face], faceModel: input.faces.model }
  return next.samples.length >= config.framesToFuse ? match(next, input.at, config) : stay(next)
}

/** The capture window is over: decide on the frames collected, or on why there are none. */
function windowClosed(
  state: Extract<GateState, { phase: 'CAPTURING_FACE' }>,
  at: number,
  config: LiveGateConfig,
): GateStep {
  if (state.samples.length > 0) return match(state, at, config)
  return decided(state.session, state.lastRefusal ?? refer('NO_FACE'), null, 0, at)
}

/**
 * Fuses the collected faces (mean of unit embeddings; the most confident frame's box and scores) and lets decide()
 * match.
 */
function match(state: Extract<GateState, { phase: 'CAPTURING_FACE' }>, at: number, config: LiveGateConfig): GateStep {
  const { session, samples } = state
  const best = samples.reduce((a, b) => (b.detectorScore > a.detectorScore ? b : a))
  const fused: DetectedFace = { ...best, embedding: averageEmbeddings(samples.map((s) => s.embedding)) }
  if (session.faceAtQr && cosineSimilarity(session.faceAtQr, fused.embedding) < config.sameFaceThreshold) {
    return decided(session, refer('FACE_CHANGED'), null, samples.length, at)
  }
  const score = matchScore(fused.embedding, state.token.template!)
  const evidence: ClearanceEvidence = {
    ...state.token.evidence,
    faces: [fused],
    faceModel: state.faceModel ?? undefined,
    matchScore: score,
  }
  const verdict = decide(evidence, config.policy)
  const decision = verdict.decision === 'PENDING' ? refer('INTERNAL_ERROR') : verdict
  if (decision.decision !== 'APPROVE' || !config.challenge) return decided(session, decision, score, samples.length, at)
  // The face matched: now it must show that it is alive. The frames must keep showing the face just matched.
  const challenge = startChallenge(session.challenge, at, { reference: fused.embedding })
  const approval = { score, framesFused: samples.length }
  return stay({ phase: 'CHALLENGING', session, token: state.token, approval, challenge })
}

/** The matched face answers the challenge; a second person ends the session, as during capture. */
function challenging(
  state: Extract<GateState, { phase: 'CHALLENGING' }>,
  input: GateInput,
  config: LiveGateConfig,
): GateStep {
  const { session, approval } = state
  if (input.type === 'failed' || input.type === 'verified')
    return decided(session, refer('INTERNAL_ERROR'), approval.score, approval.framesFused, input.at)
  const faces = input.type === 'frame' ? input.faces : undefined
  const step = challengePhaseStep(
    state.challenge,
    { at: input.at, ...(faces ? { faces } : {}) },
    state.token.evidence,
    config.policy,
    config.challenge!,
  )
  if (step.result === 'running') return stay({ ...state, challenge: step.challenge })
  return decided(session, step.decision, approval.score, approval.framesFused, input.at, step.record)
}

function decided(
  session: Session,
  decision: Decision,
  score: number | null,
  framesFused: number,
  at: number,
  challenge: ChallengeRecord | null = null,
): GateStep {
  const outcome: GateOutcome = { decision, score, framesFused, qrAt: session.qrAt, decidedAt: at, challenge }
  return { state: { phase: 'DECIDED', session, outcome }, decided: outcome }
}

function stay(state: GateState): GateStep {
  return { state, decided: null }
}
