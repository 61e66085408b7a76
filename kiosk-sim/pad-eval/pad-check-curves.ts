// Each presentation check on its own: how well its score separates bona fide from attack frames (AUC) and what
// APCER and BPCER it gives as its threshold moves (a DET curve, ISO/IEC 30107-3). Pure.

import { scoreMetrics } from '../../models/eval/metrics.ts'
import type { PresentationCheckName } from '../../models/pad/presentation-check.ts'
import type { PadFrameResult } from './pad-frame.ts'

export interface CheckPoint {
  threshold: number
  apcer: number
  bpcer: number
}

export interface SpeciesCurve {
  /** Attack frames with a score (one counted face and a non-null score). */
  attacks: number
  /** P(bona fide score > attack score); 1 separates perfectly, 0.5 is chance. */
  auc: number
  /** APCER and BPCER of this check alone at its configured threshold (null when the check is off). */
  operatingPoint: CheckPoint | null
  det: CheckPoint[]
}

export interface CheckCurves {
  /** The configured minimum; null when the check is off (0 or no pad section). */
  threshold: number | null
  /** Bona fide frames with a score. */
  bonaFide: number
  species: Record<string, SpeciesCurve>
}

/** Points per DET curve kept in the report. */
const DET_POINTS = 60

/**
 * Curves over the frames where the gate has one face to judge. A check without any score on either side (e.g. pad
 * before a classifier runs) is left out. `thresholds`: the check's minimum, or null when it is off.
 */
export function checkCurves(
  frames: readonly PadFrameResult[],
  thresholds: Record<PresentationCheckName, number | null>,
): Partial<Record<PresentationCheckName, CheckCurves>> {
  const out: Partial<Record<PresentationCheckName, CheckCurves>> = {}
  for (const check of Object.keys(thresholds) as PresentationCheckName[]) {
    const scoreOf = (f: PadFrameResult): number | null => f.face?.[check] ?? null
    const bonaFide = frames.filter((f) => f.presentation === 'bona-fide').flatMap((f) => nonNull(scoreOf(f)))
    if (bonaFide.length === 0) continue
    const species: Record<string, SpeciesCurve> = {}
    for (const name of speciesOf(frames)) {
      const attacks = frames.filter((f) => f.species === name).flatMap((f) => nonNull(scoreOf(f)))
      if (attacks.length === 0) continue
      const m = scoreMetrics(bonaFide, attacks)
      const t = thresholds[check]
      species[name] = {
        attacks: attacks.length,
        auc: m.auc(),
        operatingPoint: t === null ? null : { threshold: t, apcer: m.fmrAt(t), bpcer: m.fnmrAt(t) },
        det: m.detCurve(DET_POINTS).map((p) => ({ threshold: p.threshold, apcer: p.fmr, bpcer: p.fnmr })),
      }
    }
    if (Object.keys(species).length > 0)
      out[check] = { threshold: thresholds[check], bonaFide: bonaFide.length, species }
  }
  return out
}

/** Attack species in first-seen order. */
export function speciesOf(frames: readonly { species: string | null }[]): string[] {
  return [...new Set(frames.flatMap((f) => (f.species === null ? [] : [f.species])))]
}

function nonNull(score: number | null): number[] {
  return score === null || !Number.isFinite(score) ? [] : [score]
}
