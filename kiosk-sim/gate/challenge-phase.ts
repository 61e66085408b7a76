// The live gate's CHALLENGING phase, pure: the face that matched answers the liveness challenge
// (liveness-challenge.ts) frame by frame. gate-state-machine.ts owns the phases; this file, what one input does here.
import type { Decision } from '../../contract/decision-reasons.ts'
import { isUsableEmbedding } from '../../models/match.ts'
import type { FaceThresholds } from '../../models/thresholds.ts'
import { decide, faceToMatch, refer, type ClearanceEvidence } from './decide.ts'
import type { FrameFaces } from './frame-faces.ts'
import {
  stepChallenge,
  type ChallengeConfig,
  type ChallengeFace,
  type ChallengeFailure,
  type ChallengeKind,
  type ChallengeState,
} from './liveness-challenge.ts'

/** The challenge in a decision: its action, result and (failed) why, frames seen, time taken. */
export interface ChallengeRecord {
  kind: ChallengeKind
  passed: boolean
  failure: ChallengeFailure | null
  frames: number
  ms: number
}

export type ChallengePhaseStep =
  | { result: 'running'; challenge: ChallengeState }
  | { result: 'decided'; decision: Decision; record: ChallengeRecord | null }

/**
 * One frame (`faces` when analysed) or time passing. A second person in view ends the session as during capture;
 * otherwise the one face in view, if any, is the challenge's observation.
 */
export function challengePhaseStep(
  challenge: ChallengeState,
  input: { at: number; faces?: FrameFaces },
  admitted: ClearanceEvidence,
  policy: FaceThresholds,
  config: ChallengeConfig,
): ChallengePhaseStep {
  let face: ChallengeFace | null | undefined
  if (input.faces) {
    const verdict = decide({ ...admitted, faces: input.faces.faces, faceModel: input.faces.model }, policy)
    if (
      verdict.decision !== 'PENDING' &&
      (verdict.reason === 'MULTIPLE_FACES' || verdict.reason === 'TEMPLATE_MODEL_MISMATCH')
    )
      return { result: 'decided', decision: verdict, record: null }
    // A turned head may score lower on the passive check or on quality: the challenge reads the mesh of the one
    // face in view, and the same-face rule keeps it honest.
    const one = faceToMatch(input.faces.faces, policy)
    face = one && isUsableEmbedding(one.embedding, policy.embeddingLength) ? one : null
  }
  const next = stepChallenge(challenge, { at: input.at, face }, config)
  const status = next.status
  if (status.result === 'RUNNING') return { result: 'running', challenge: next }
  const record: ChallengeRecord = {
    kind: next.kind,
    passed: status.result === 'PASSED',
    failure: status.result === 'FAILED' ? status.reason : null,
    frames: next.frames,
    ms: input.at - next.startedAt,
  }
  const decision: Decision = record.passed ? { decision: 'APPROVE', reason: null } : refer('LIVENESS_CHALLENGE_FAILED')
  return { result: 'decided', decision, record }
}
