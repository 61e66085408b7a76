// Challenge-response liveness, pure: the gate asks for a random action (turn the head left or right, or blink) and
// reads the answer from the face mesh across frames (models/liveness-geometry.ts), within a time limit, while the
// same face stays in view. A still image cannot answer; a moved or bent photo keeps its own proportions.
// Thresholds and how they were measured: docs/liveness-challenge.md.
import type { FaceGeometry } from '../../models/face-types.ts'
import { cosineSimilarity } from '../../models/match.ts'

export const CHALLENGE_KINDS = ['TURN_LEFT', 'TURN_RIGHT', 'BLINK'] as const
export type ChallengeKind = (typeof CHALLENGE_KINDS)[number]

/** Why a challenge failed: internal detail for the decision record; the gate refers as LIVENESS_CHALLENGE_FAILED. */
export type ChallengeFailure = 'TIMEOUT' | 'WRONG_MOVE' | 'FACE_LOST' | 'FACE_SWAPPED'

export interface ChallengeConfig {
  /** From the first challenge frame: time to answer. */
  timeLimitMs: number
  /** Longest stretch without a usable face in view. */
  faceLostMs: number
  /** Frames whose median is the rest position (one glitched mesh must not be the baseline). */
  baselineFrames: number
  /** Nose parallax change from the baseline, in face widths, that counts as a turn. */
  turnDelta: number
  /** Consecutive frames the turn must hold (one frame could be a detection glitch). */
  turnFrames: number
  /** A blink: eye aspect ratio at or below this share of the open-eye baseline... */
  blinkClosed: number
  /** ...then back at or above this share. */
  blinkOpen: number
  /** Largest relative change of the face's proportions (eye line to mouth over eye distance) in a blink frame. */
  proportionTolerance: number
  /** Cosine at or above which a challenge frame shows the same face as the first one (and as the template). */
  sameFaceThreshold: number
}

export function defaultChallengeConfig(sameFaceThreshold: number): ChallengeConfig {
  return {
    timeLimitMs: 5000,
    faceLostMs: 1000,
    baselineFrames: 3,
    turnDelta: 0.15,
    turnFrames: 2,
    blinkClosed: 0.6,
    blinkOpen: 0.85,
    proportionTolerance: 0.1,
    sameFaceThreshold,
  }
}

/** Picks the action with a uniform number in [0, 1) (crypto random in the gate, fixed in tests). */
export function pickChallenge(random: number): ChallengeKind {
  if (random < 1 / 3) return 'TURN_LEFT'
  if (random < 2 / 3) return 'TURN_RIGHT'
  return 'BLINK'
}

/** What the traveller is told. "Left" is the traveller's own left. */
export const CHALLENGE_INSTRUCTIONS: Readonly<Record<ChallengeKind, string>> = {
  TURN_LEFT: 'Please turn your head to the left',
  TURN_RIGHT: 'Please turn your head to the right',
  BLINK: 'Please blink',
}

/** The one face in view in a challenge frame. */
export interface ChallengeFace {
  geometry?: FaceGeometry | null
  embedding: Float32Array
}

export type ChallengeStatus =
  { result: 'RUNNING' } | { result: 'PASSED' } | { result: 'FAILED'; reason: ChallengeFailure }

export interface ChallengeState {
  kind: ChallengeKind
  startedAt: number
  /** Last time a usable face was in view (the start, before the first). */
  lastSeenAt: number
  /** The face the challenge must keep seeing: the gate's fused capture, or the first challenge frame. */
  reference: Float32Array | null
  /** The enrolled template, when the gate has it: every challenge frame must still match it. */
  template: Float32Array | null
  /** The rest position, once `baselineFrames` frames are in. */
  baseline: { parallax: number; ear: number; proportion: number } | null
  /** The frames collected for the baseline. */
  rest: FaceGeometry[]
  /** Turn: consecutive frames past the threshold in the asked (+) or the other (-) direction. */
  streak: number
  /** Blink: a closed-eye frame was seen. */
  closed: boolean
  frames: number
  status: ChallengeStatus
}

export function startChallenge(
  kind: ChallengeKind,
  at: number,
  faces: { reference?: Float32Array | null; template?: Float32Array | null } = {},
): ChallengeState {
  return {
    kind,
    startedAt: at,
    lastSeenAt: at,
    reference: faces.reference ?? null,
    template: faces.template ?? null,
    baseline: null,
    rest: [],
    streak: 0,
    closed: false,
    frames: 0,
    status: { result: 'RUNNING' },
  }
}

/**
 * One observation: `face` is the one face in view (null: none usable in this frame; undefined: time passes
 * without a frame). A finished challenge stays as it is.
 */
export function stepChallenge(
  state: ChallengeState,
  input: { at: number; face?: ChallengeFace | null },
  config: ChallengeConfig,
): ChallengeState {
  if (state.status.result !== 'RUNNING') return state
  const { at, face } = input
  if (at - state.lastSeenAt > config.faceLostMs) return fail(state, 'FACE_LOST')
  if (at - state.startedAt > config.timeLimitMs) return fail(state, 'TIMEOUT')
  if (face === undefined) return state
  if (face === null || !face.geometry) return { ...state, frames: state.frames + 1 }

  const reference = state.reference ?? face.embedding
  if (cosineSimilarity(reference, face.embedding) < config.sameFaceThreshold) return fail(state, 'FACE_SWAPPED')
  if (state.template && cosineSimilarity(state.template, face.embedding) < config.sameFaceThreshold)
    return fail(state, 'FACE_SWAPPED')

  const g = face.geometry
  const ear = (g.earImageLeft + g.earImageRight) / 2
  const seen: ChallengeState = { ...state, reference, lastSeenAt: at, frames: state.frames + 1 }
  if (!state.baseline) {
    const rest = [...state.rest, g]
    if (rest.length < config.baselineFrames) return { ...seen, rest }
    const baseline = {
      parallax: median(rest.map((r) => r.parallax)),
      ear: Math.max(...rest.map((r) => (r.earImageLeft + r.earImageRight) / 2)),
      proportion: median(rest.map((r) => r.proportion)),
    }
    return { ...seen, rest, baseline }
  }
  return state.kind === 'BLINK' ? blink(seen, g, ear, config) : turn(seen, g, config)
}

/**
 * The traveller's left is the image's right on an unmirrored camera: turning left moves the nose tip to the image's
 * right, so parallax rises.
 */
function turn(state: ChallengeState, g: FaceGeometry, config: ChallengeConfig): ChallengeState {
  const asked = state.kind === 'TURN_LEFT' ? 1 : -1
  const moved = (g.parallax - state.baseline!.parallax) * asked
  let streak = 0
  if (moved >= config.turnDelta) streak = Math.max(0, state.streak) + 1
  else if (moved <= -config.turnDelta) streak = Math.min(0, state.streak) - 1
  if (streak >= config.turnFrames) return { ...state, streak, status: { result: 'PASSED' } }
  if (streak <= -config.turnFrames) return fail({ ...state, streak }, 'WRONG_MOVE')
  return { ...state, streak }
}

function blink(state: ChallengeState, g: FaceGeometry, ear: number, config: ChallengeConfig): ChallengeState {
  const base = state.baseline!
  // A frame whose proportions changed is a bent or tilted image, not an eye closing: it resets the blink.
  if (Math.abs(g.proportion - base.proportion) > config.proportionTolerance * base.proportion)
    return { ...state, closed: false }
  if (!state.closed) {
    if (ear <= config.blinkClosed * base.ear) return { ...state, closed: true }
    // The eyes' open level: the widest seen so far, so that a blink in the first frame is not the baseline.
    return ear > base.ear ? { ...state, baseline: { ...base, ear } } : state
  }
  if (ear >= config.blinkOpen * base.ear) return { ...state, status: { result: 'PASSED' } }
  return state
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function fail(state: ChallengeState, reason: ChallengeFailure): ChallengeState {
  return { ...state, status: { result: 'FAILED', reason } }
}
