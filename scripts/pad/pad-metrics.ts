// ISO/IEC 30107-3 error rates at a threshold (a presentation is accepted as bona fide when score >= threshold),
// and the threshold that holds BPCER at a target.
import { highestThresholdWithin, scoreMetrics } from '../../models/eval/metrics.ts'

export interface ErrorRates {
  apcer: number
  bpcer: number
  attacks: number
  bonaFide: number
  /** Attacks accepted, bona fide presentations refused. */
  attacksAccepted: number
  bonaFideRefused: number
}

export function errorRates(
  attackScores: readonly number[],
  bonaFideScores: readonly number[],
  threshold: number,
): ErrorRates {
  const attacksAccepted = attackScores.filter((s) => s >= threshold).length
  const bonaFideRefused = bonaFideScores.filter((s) => s < threshold).length
  return {
    apcer: attackScores.length ? attacksAccepted / attackScores.length : 0,
    bpcer: bonaFideScores.length ? bonaFideRefused / bonaFideScores.length : 0,
    attacks: attackScores.length,
    bonaFide: bonaFideScores.length,
    attacksAccepted,
    bonaFideRefused,
  }
}

/**
 * The highest threshold on a grid of `step` that refuses at most `targetBpcer` of the bona fide scores: the
 * strictest setting the bona fide presentations allow, chosen without looking at the attacks (the calibration's
 * rule for the face-quality gates, models/eval/metrics.ts).
 */
export function thresholdForBpcer(bonaFideScores: readonly number[], targetBpcer: number, step = 0.001): number {
  return highestThresholdWithin(bonaFideScores, targetBpcer, step).threshold
}

/** Area under the ROC curve: the chance a random bona fide scores above a random attack (ties count half). */
export function auc(attackScores: readonly number[], bonaFideScores: readonly number[]): number {
  return scoreMetrics(bonaFideScores, attackScores).auc()
}
