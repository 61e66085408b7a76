// ISO/IEC 30107-3 error rates at a threshold (a presentation is accepted as bona fide when score >= threshold),
// and the threshold that holds BPCER at a target.

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
 * strictest setting the bona fide presentations allow, chosen without looking at the attacks.
 */
export function thresholdForBpcer(bonaFideScores: readonly number[], targetBpcer: number, step = 0.001): number {
  const allowed = Math.floor(targetBpcer * bonaFideScores.length)
  const sorted = [...bonaFideScores].sort((a, b) => a - b)
  // Refusing exactly the `allowed` lowest: any threshold in (sorted[allowed-1], sorted[allowed]] does.
  const cut = sorted[allowed] ?? 1
  return Math.floor(cut / step) * step
}

/** Area under the ROC curve: the chance a random bona fide scores above a random attack (ties count half). */
export function auc(attackScores: readonly number[], bonaFideScores: readonly number[]): number {
  const all = [
    ...attackScores.map((s) => ({ s, bona: false })),
    ...bonaFideScores.map((s) => ({ s, bona: true })),
  ].sort((a, b) => a.s - b.s)
  let rankSum = 0
  for (let i = 0; i < all.length;) {
    let j = i
    while (j < all.length && all[j]!.s === all[i]!.s) j++
    const rank = (i + j + 1) / 2
    for (let k = i; k < j; k++) if (all[k]!.bona) rankSum += rank
    i = j
  }
  const nb = bonaFideScores.length
  const na = attackScores.length
  return (rankSum - (nb * (nb + 1)) / 2) / (nb * na)
}
