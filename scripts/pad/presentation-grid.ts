// The whole presentation check (Human's antispoof and liveness minimums, and the classifier's threshold)
// measured together on out-of-fold scores, for a grid of antispoof/liveness minimums: refusing a face that fails
// any of the three.
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
}

export const ANTISPOOF_GRID = [0, 0.1, 0.2, 0.3, 0.42]
export const LIVENESS_GRID = [0, 0.3, 0.5, 0.7]

export function combinedGrid(
  rows: readonly Row[],
  padScores: readonly number[],
  padThreshold: number,
): CombinedPoint[] {
  const points: CombinedPoint[] = []
  for (const antispoofMin of ANTISPOOF_GRID) {
    for (const livenessMin of LIVENESS_GRID) {
      const pass = (r: Row, i: number): boolean =>
        (r.face.antispoof ?? 0) >= antispoofMin &&
        (r.face.liveness ?? 0) >= livenessMin &&
        padScores[i]! >= padThreshold
      let attacks = 0
      let attacksAccepted = 0
      let bona = 0
      let bonaFideRefused = 0
      let faces = 0
      let facesRefused = 0
      rows.forEach((r, i) => {
        const ok = pass(r, i)
        if (!r.sample.bonaFide) {
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
      })
    }
  }
  return points
}

/**
 * The grid point with the lowest APCER among those refusing at most `maxBpcer` of the NUAA and of the faces bona
 * fide presentations; among equals, the highest minimums (they may still stop attack species not measured here).
 */
export function chooseCombined(points: readonly CombinedPoint[], maxBpcer: number): CombinedPoint | null {
  const ok = points.filter((p) => p.bpcer <= maxBpcer && p.facesBpcer <= maxBpcer)
  ok.sort((a, b) => a.apcer - b.apcer || b.antispoofMin - a.antispoofMin || b.livenessMin - a.livenessMin)
  return ok[0] ?? null
}
