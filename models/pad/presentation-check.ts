// The presentation-attack decision (ISO/IEC 30107-1 "PAD"): is the face in front of the camera a live person?
// Pure. The gate (kiosk-sim/gate/decide.ts) and the PAD evaluation (kiosk-sim/pad-eval/) both call this, so that
// the figures measured are those of the rule the gate applies.

import type { DetectedFace } from '../face-types.ts'
import type { FaceThresholds } from '../thresholds.ts'

export const PRESENTATION_CHECKS = ['antispoof', 'liveness', 'pad'] as const
export type PresentationCheckName = (typeof PRESENTATION_CHECKS)[number]

/** The thresholds the check reads. A minimum of 0 turns its check off (see checkPresentation). */
export type PresentationPolicy = Pick<FaceThresholds, 'antispoofMin' | 'livenessMin' | 'padMin'>

export interface PresentationResult {
  passed: boolean
  /** The first check that failed, in the order antispoof, liveness, pad; null when every applied check passed. */
  failedCheck: PresentationCheckName | null
  /** Every score behind the decision, also those of checks that are off (for reports). */
  scores: Record<PresentationCheckName, number | null>
  /** The checks that were applied: those with a minimum above 0 (pad: only when the calibration has one). */
  applied: PresentationCheckName[]
}

/**
 * A face passes when each applied check's score reaches its minimum. A missing score (null: the model gave none)
 * fails its check: the gate fails closed. A minimum of 0 switches a check off entirely, null included, so that a
 * calibration can retire Human's antispoof or liveness once a trained PAD classifier replaces them. The `pad`
 * check applies only when the policy has `padMin` (calibration section `pad`).
 */
/** The scores the presentation check reads from a face. */
export type PresentationScores = Pick<DetectedFace, 'antispoof' | 'liveness' | 'pad'>

export function checkPresentation(face: PresentationScores, policy: PresentationPolicy): PresentationResult {
  const scores = { antispoof: face.antispoof, liveness: face.liveness, pad: face.pad }
  const minimums: Record<PresentationCheckName, number | undefined> = {
    antispoof: policy.antispoofMin,
    liveness: policy.livenessMin,
    pad: policy.padMin,
  }
  const applied = PRESENTATION_CHECKS.filter((name) => isApplied(minimums[name]))
  const failedCheck = applied.find((name) => !reaches(scores[name], minimums[name]!)) ?? null
  return { passed: failedCheck === null, failedCheck, scores, applied }
}

function isApplied(minimum: number | undefined): boolean {
  return minimum !== undefined && minimum > 0
}

function reaches(score: number | null, minimum: number): boolean {
  return score !== null && Number.isFinite(score) && score >= minimum
}
