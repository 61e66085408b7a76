// The whole presentation check (Human's antispoof and liveness minimums, and the classifier's threshold)
// measured together on out-of-fold scores, for a grid of antispoof/liveness minimums: refusing a face that fails
// any of the three.
import { checkPresentation } from '../../models/pad/presentation-check.ts'
import type { Row } from './pad-rows.ts'

export interface CombinedPoint {
  antispoofMin: number
  livenessMin: number
  apcer: number
  attacksAccepted: number
  bpcer: number
  bonaFideRefused: number
  facesBpcer: number
  facesRefused: number
  /** Synthetic screen replays accepted by the whole check. */
  screenApcer: number
  screensAccepted: number
}

export const ANTISPOOF_GRID = [0, 0.1, 0.2, 0.3, 0.42]
export const LIVENESS_GRID = [0, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7]

export function combinedGrid(rows: readonly Row[], padScores: readonly number[], padMin: number): CombinedPoint[] {
  const points: CombinedPoint[] = []
  for (const antispoofMin of ANTISPOOF_GRID) {
    for (const livenessMin of LIVENESS_GRID) {
      // The gate's own rule (a minimum of 0 is off), on the out-of-fold classifier score.
      const pass = (r: Row, i: number): boolean =>
        checkPresentation(
          { antispoof: r.face.antispoof, liveness: r.face.liveness, pad: padScores[i]! },
          { antispoofMin, livenessMin, padMin },
        ).passed
      let attacks = 0
      let attacksAccepted = 0
      let bona = 0
      let bonaFideRefused = 0
      let faces = 0
      let facesRefused = 0
      let screens = 0
      let screensAccepted = 0
      rows.forEach((r, i) => {
        const ok = pass(r, i)
        if (r.sample.source === 'screen') {
          screens++
          if (ok) screensAccepted++
        } else if (!r.sample.bonaFide) {
          attacks++
          if (ok) attacksAccepted++
        } else if (r.sample.source === 'nuaa') {
          bona++
          if (!ok) bonaFideRefused++
        } else {
          faces++
          if (!ok) facesRefused++
        }
      })
      points.push({
        antispoofMin,
        livenessMin,
        apcer: attacksAccepted / attacks,
        attacksAccepted,
        bpcer: bonaFideRefused / bona,
        bonaFideRefused,
        facesBpcer: facesRefused / faces,
        facesRefused,
        screenApcer: screens ? screensAccepted / screens : 0,
        screensAccepted,
      })
    }
  }
  return points
}

/**
 * The grid point whose worse APCER (printed photos, synthetic screen replays) is lowest among those refusing at most
 * `maxBpcer` of the NUAA and of the faces bona fide presentations; among equals, the one refusing fewer bona fide.
 */
export function chooseCombined(points: readonly CombinedPoint[], maxBpcer: number): CombinedPoint | null {
  const worst = (p: CombinedPoint): number => Math.max(p.apcer, p.screenApcer)
  const ok = points.filter((p) => p.bpcer <= maxBpcer && p.facesBpcer <= maxBpcer)
  ok.sort((a, b) => worst(a) - worst(b) || a.bpcer + a.facesBpcer - (b.bpcer + b.facesBpcer))
  return ok[0] ?? null
}
