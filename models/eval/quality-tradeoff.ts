// What an enrolment quality gate costs and buys: a photo failing the gate cannot enrol (FTE), and the
// genuine comparisons that remain may fail less often (FNMR). Pure: pass masks and scored pairs in, rates out.
//
// A pair of photos {i, j} is two attempts: enrol with i and present j, or the other way round. Cosine is
// symmetric, so both attempts have the same score; a gate on the enrolment photo keeps an attempt when its
// enrolment side passes. Each pair therefore weighs 0, 1 or 2 (the number of its photos that pass); with no
// gate every pair weighs 2 and the rates equal the plain eval's. Because the two attempts of one pair have one
// score, the same weights also describe a gate on the presented photo (the kiosk's liveness check).
// Variant 'both': a pair counts only when both photos pass (weight 2 or 0).

import { nextUp, wilsonInterval } from './metrics.ts'

export type GateSide = 'enrolment' | 'both'

/** Pairs of image positions with their similarity. */
export interface ScoredPairs {
  a: Uint32Array
  b: Uint32Array
  scores: Float64Array
}

export interface WeightedRate {
  rate: number
  /** Distinct pairs with weight > 0. */
  pairs: number
  /**
   * Wilson 95% interval with n = distinct pairs: the two attempts of one pair share one score, so they are one
   * observation.
   */
  ciLow: number
  ciHigh: number
}

export interface TradeoffPoint {
  /** Photos that fail the gate, out of all photos (failed acquisitions fail every gate). */
  fteCount: number
  fte: number
  /** Lowest threshold with weighted FMR <= target on the kept impostor attempts, and the FNMR there. */
  atTarget: WeightedRate & { threshold: number; fmr: number }
  /** FNMR and FMR at a fixed threshold (the calibrated one). */
  atFixed: WeightedRate & { threshold: number; fmr: number }
}

/** Pass mask of a gate: value >= threshold ('min' gates) or value <= threshold ('max' gates); null fails. */
export function passMask(
  values: ReadonlyArray<number | null>,
  threshold: number,
  direction: 'min' | 'max',
): Uint8Array {
  return Uint8Array.from(values, (v) => (v !== null && (direction === 'min' ? v >= threshold : v <= threshold) ? 1 : 0))
}

/** Photos that pass every mask. */
export function allOf(masks: readonly Uint8Array[]): Uint8Array {
  if (masks.length === 0) throw new RangeError('no masks')
  return masks[0]!.map((_, i) => (masks.every((m) => m[i] === 1) ? 1 : 0))
}

/** The same pairs ordered by descending score, so that a threshold at a target FMR is one walk from the top. */
export function sortDescending(pairs: ScoredPairs): ScoredPairs {
  const order = Array.from(pairs.scores.keys()).sort((x, y) => pairs.scores[y]! - pairs.scores[x]!)
  return {
    a: Uint32Array.from(order, (k) => pairs.a[k]!),
    b: Uint32Array.from(order, (k) => pairs.b[k]!),
    scores: Float64Array.from(order, (k) => pairs.scores[k]!),
  }
}

function weightOf(pass: Uint8Array, a: number, b: number, side: GateSide): number {
  const n = pass[a]! + pass[b]!
  return side === 'enrolment' ? n : n === 2 ? 2 : 0
}

/**
 * Lowest threshold whose weighted FMR is at most `target`: walking down from the highest impostor score, the
 * first score s at which the accepted weight (ties included) exceeds target * total is excluded, so the
 * threshold is the next double above s. With every weight 1 this is `scoreMetrics(...).fnmrAtFmr(target)`.
 */
export function weightedThresholdAtFmr(
  impostorDesc: ScoredPairs,
  pass: Uint8Array,
  side: GateSide,
  target: number,
): { threshold: number; fmr: number } {
  let total = 0
  for (let k = 0; k < impostorDesc.scores.length; k++)
    total += weightOf(pass, impostorDesc.a[k]!, impostorDesc.b[k]!, side)
  if (total === 0) throw new RangeError('no impostor attempt passes the gate')
  const allowed = target * total + 1e-9 // tolerate 0.001 * 1000 = 0.9999999
  let accepted = 0
  let k = 0
  const s = impostorDesc.scores
  while (k < s.length) {
    let tieWeight = 0
    let e = k
    while (e < s.length && s[e] === s[k]) {
      tieWeight += weightOf(pass, impostorDesc.a[e]!, impostorDesc.b[e]!, side)
      e++
    }
    if (accepted + tieWeight > allowed) return { threshold: nextUp(s[k]!), fmr: accepted / total }
    accepted += tieWeight
    k = e
  }
  // Every impostor fits within the target: any threshold at or below the lowest score.
  return { threshold: s[s.length - 1]!, fmr: accepted / total }
}

/** Weighted share of attempts with score < threshold (genuine: FNMR) or >= threshold (impostor: FMR). */
export function weightedRate(
  pairs: ScoredPairs,
  pass: Uint8Array,
  side: GateSide,
  threshold: number,
  count: 'below' | 'atOrAbove',
): WeightedRate {
  let total = 0
  let errors = 0
  let distinct = 0
  for (let k = 0; k < pairs.scores.length; k++) {
    const w = weightOf(pass, pairs.a[k]!, pairs.b[k]!, side)
    if (w === 0) continue
    total += w
    distinct++
    if (count === 'below' ? pairs.scores[k]! < threshold : pairs.scores[k]! >= threshold) errors += w
  }
  if (total === 0) throw new RangeError('no attempt passes the gate')
  const rate = errors / total
  const ci = wilsonInterval(rate * distinct, distinct)
  return { rate, pairs: distinct, ciLow: ci.low, ciHigh: ci.high }
}

/** FTE, and FNMR both at the target FMR (threshold re-derived on the kept attempts) and at a fixed threshold. */
export function tradeoffPoint(
  pass: Uint8Array,
  genuine: ScoredPairs,
  impostorDesc: ScoredPairs,
  options: { side: GateSide; targetFmr: number; fixedThreshold: number },
): TradeoffPoint {
  const fteCount = pass.length - pass.reduce((n, p) => n + p, 0)
  const { side, targetFmr, fixedThreshold } = options
  const at = weightedThresholdAtFmr(impostorDesc, pass, side, targetFmr)
  return {
    fteCount,
    fte: fteCount / pass.length,
    atTarget: { ...weightedRate(genuine, pass, side, at.threshold, 'below'), threshold: at.threshold, fmr: at.fmr },
    atFixed: {
      ...weightedRate(genuine, pass, side, fixedThreshold, 'below'),
      threshold: fixedThreshold,
      fmr: weightedRate(impostorDesc, pass, side, fixedThreshold, 'atOrAbove').rate,
    },
  }
}

/**
 * The selection rule: among the candidates with FTE <= maxFte, the one with the lowest FNMR at the target FMR
 * (ties: the lower FTE). It replaces `current` only when its FNMR lies below the current value's 95% interval;
 * otherwise the gain is within the noise and the current value stays.
 */
export function chooseGate<T extends { value: number; point: TradeoffPoint }>(
  candidates: readonly T[],
  current: T,
  maxFte: number,
): { chosen: T; changed: boolean } {
  const within = candidates.filter((c) => c.point.fte <= maxFte)
  if (within.length === 0) return { chosen: current, changed: false }
  const best = within.reduce((x, y) =>
    y.point.atTarget.rate < x.point.atTarget.rate ||
    (y.point.atTarget.rate === x.point.atTarget.rate && y.point.fte < x.point.fte)
      ? y
      : x,
  )
  const changed = best.value !== current.value && best.point.atTarget.rate < current.point.atTarget.ciLow
  return { chosen: changed ? best : current, changed }
}
