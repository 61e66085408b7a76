// Verification error rates (ISO/IEC 19795-1) from comparison scores. Pure: numbers in, numbers out.
//
// Conventions used throughout:
// - Scores are similarities: higher means "more likely the same person".
// - A comparison is ACCEPTED when score >= threshold.
//   FMR(t)  = #{impostor scores >= t} / #impostor
//   FNMR(t) = #{genuine scores  <  t} / #genuine
// - Both score lists are copied and sorted once; every query is a binary search, so a million
//   impostor scores cost one sort (~0.1 s) and then O(log n) per operating point.

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054

export interface OperatingPoint {
  threshold: number
  fmr: number
  fnmr: number
}

export interface EerResult {
  /** Equal error rate, interpolated between the two operating points that bracket FMR = FNMR. */
  eer: number
  /** Threshold at the same interpolation weight between the two bracketing thresholds. */
  threshold: number
}

export interface FnmrAtFmrResult {
  /** Requested FMR ceiling. */
  target: number
  /** Lowest threshold whose empirical FMR <= target (accept if score >= threshold). */
  threshold: number
  /** Empirical FMR at that threshold (<= target). */
  fmr: number
  fnmr: number
  /** Genuine comparisons rejected at that threshold, out of `genuine`. */
  falseNonMatches: number
  genuine: number
  /** 95% Wilson score interval for FNMR (binomial, comparisons treated as independent). */
  ciLow: number
  ciHigh: number
}

export interface ScoreMetrics {
  readonly genuineCount: number
  readonly impostorCount: number
  fmrAt(threshold: number): number
  fnmrAt(threshold: number): number
  eer(): EerResult
  fnmrAtFmr(target: number): FnmrAtFmrResult
  /** Area under the ROC curve = P(genuine > impostor) + 1/2 P(genuine = impostor) (Mann-Whitney U). */
  auc(): number
  /** About `points` operating points, spread evenly on log scales of both FMR and FNMR, ascending threshold. */
  detCurve(points?: number): OperatingPoint[]
}

/**
 * Sorts both score lists once and answers error-rate queries over them. Throws RangeError on empty or non-finite
 * input.
 */
export function scoreMetrics(genuine: ArrayLike<number>, impostor: ArrayLike<number>): ScoreMetrics {
  const g = sortedCopy(genuine, 'genuine')
  const im = sortedCopy(impostor, 'impostor')
  const fmrAt = (t: number): number => (im.length - lowerBound(im, t)) / im.length
  const fnmrAt = (t: number): number => lowerBound(g, t) / g.length
  return {
    genuineCount: g.length,
    impostorCount: im.length,
    fmrAt,
    fnmrAt,
    eer: () => equalErrorRate(g, im),
    fnmrAtFmr: (target) => fnmrAtFmr(g, im, target),
    auc: () => mannWhitneyAuc(g, im),
    detCurve: (points = 200) => detCurve(g, im, points, fmrAt, fnmrAt),
  }
}

/** 95% Wilson score interval for a binomial proportion `successes / n`. */
export function wilsonInterval(successes: number, n: number, z = Z95): { low: number; high: number } {
  if (!(n > 0) || successes < 0 || successes > n) throw new RangeError(`invalid proportion ${successes}/${n}`)
  const p = successes / n
  const z2 = z * z
  const denom = 1 + z2 / n
  const centre = (p + z2 / (2 * n)) / denom
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))
  // The bounds are exactly 0 and 1 at the ends; say so rather than return 1e-17 or 0.9999999999999999.
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - half),
    high: successes === n ? 1 : Math.min(1, centre + half),
  }
}

/**
 * Highest threshold on a grid of `step` such that at most `maxRejectShare` of the (bona fide) `scores`
 * fall below it: the rejection rule is "reject if score < threshold". With sorted scores s and
 * k = floor(maxRejectShare * n), #{s < t} <= k exactly when t <= s[k]; the answer is s[k] rounded down
 * to the grid. Returns the threshold and the share it actually rejects.
 */
export function highestThresholdWithin(
  scores: ArrayLike<number>,
  maxRejectShare: number,
  step: number,
): { threshold: number; rejectShare: number } {
  if (!(maxRejectShare >= 0 && maxRejectShare < 1))
    throw new RangeError(`reject share ${maxRejectShare} is not in [0, 1)`)
  if (!(step > 0)) throw new RangeError(`step ${step} is not positive`)
  const s = sortedCopy(scores, 'bona fide')
  const k = Math.floor(maxRejectShare * s.length + 1e-9)
  // Round down to the grid; the epsilon keeps 0.3 / 0.01 = 29.999999999999996 on 30.
  let threshold = Number((Math.floor(s[k]! / step + 1e-9) * step).toFixed(12))
  if (threshold > s[k]!) threshold = Number((threshold - step).toFixed(12))
  return { threshold, rejectShare: lowerBound(s, threshold) / s.length }
}

/** Smallest double strictly greater than x (x finite). */
export function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  view.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n)
  return view.getFloat64(0)
}

/** First index i with sorted[i] >= value (sorted.length when none). */
export function lowerBound(sorted: Float64Array, value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! < value) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** First index i with sorted[i] > value (sorted.length when none). */
export function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! <= value) lo = mid + 1
    else hi = mid
  }
  return lo
}

function sortedCopy(scores: ArrayLike<number>, name: string): Float64Array {
  if (scores.length === 0) throw new RangeError(`no ${name} scores`)
  const out = Float64Array.from(scores)
  for (const s of out) if (!Number.isFinite(s)) throw new RangeError(`${name} score ${s} is not finite`)
  return out.sort()
}

// EER. The empirical operating points are the thresholds at every distinct observed score, plus one
// threshold above every score (FMR 0, FNMR 1). Walking up the thresholds, FMR falls and FNMR rises;
// at the first point where FNMR >= FMR the curves have crossed since the previous point. The EER is
// where the straight segment joining those two (FMR, FNMR) points meets the diagonal FMR = FNMR, i.e.
// the error of the randomised mix of the two thresholds that equalises the rates; the threshold is
// interpolated with the same weight (for the last segment it is reported as the highest score).
// When a point lies exactly on the diagonal, that point is returned unchanged.
function equalErrorRate(g: Float64Array, im: Float64Array): EerResult {
  const thresholds = distinctMerged(g, im)
  let prev: OperatingPoint | undefined
  for (let k = 0; k <= thresholds.length; k++) {
    const t = k < thresholds.length ? thresholds[k]! : Infinity
    const fmr = k < thresholds.length ? (im.length - lowerBound(im, t)) / im.length : 0
    const fnmr = k < thresholds.length ? lowerBound(g, t) / g.length : 1
    if (fnmr >= fmr) {
      if (fnmr === fmr || !prev) return { eer: fnmr, threshold: Number.isFinite(t) ? t : thresholds.at(-1)! }
      const dPrev = prev.fmr - prev.fnmr // > 0
      const dHere = fmr - fnmr // <= 0
      const w = dPrev / (dPrev - dHere)
      const eer = prev.fmr + w * (fmr - prev.fmr)
      const threshold = Number.isFinite(t) ? prev.threshold + w * (t - prev.threshold) : prev.threshold
      return { eer, threshold }
    }
    prev = { threshold: t, fmr, fnmr }
  }
  /* c8 ignore next */
  throw new Error('unreachable: FNMR reaches 1 above the highest score')
}

// FNMR at a target FMR. With n impostor scores at most k = floor(target * n) of them may be accepted.
// If s is the (k+1)-th highest impostor score, every threshold > s accepts at most k impostors and
// every threshold <= s accepts at least k+1, so the lowest admissible threshold is the next double
// above s. (Any threshold in (s, next observed score] gives the same empirical FMR and FNMR.)
function fnmrAtFmr(g: Float64Array, im: Float64Array, target: number): FnmrAtFmrResult {
  if (!(target >= 0 && target <= 1)) throw new RangeError(`target FMR ${target} is not in [0, 1]`)
  const n = im.length
  const k = Math.floor(target * n + 1e-9) // tolerate 0.001 * 1000 = 0.9999999
  const threshold = k >= n ? Math.min(g[0]!, im[0]!) : nextUp(im[n - 1 - k]!)
  const falseMatches = n - lowerBound(im, threshold)
  const falseNonMatches = lowerBound(g, threshold)
  const ci = wilsonInterval(falseNonMatches, g.length)
  return {
    target,
    threshold,
    fmr: falseMatches / n,
    fnmr: falseNonMatches / g.length,
    falseNonMatches,
    genuine: g.length,
    ciLow: ci.low,
    ciHigh: ci.high,
  }
}

function mannWhitneyAuc(g: Float64Array, im: Float64Array): number {
  // Both lists ascending: one merge pass counts, for each genuine score, impostors below and equal.
  let wins = 0
  let j = 0
  for (let i = 0; i < g.length; i++) {
    const s = g[i]!
    while (j < im.length && im[j]! < s) j++
    const below = j
    let e = j
    while (e < im.length && im[e]! === s) e++
    wins += below + (e - j) / 2
  }
  return wins / (g.length * im.length)
}

function detCurve(
  g: Float64Array,
  im: Float64Array,
  points: number,
  fmrAt: (t: number) => number,
  fnmrAt: (t: number) => number,
): OperatingPoint[] {
  if (!(points >= 2)) throw new RangeError('a DET curve needs at least 2 points')
  const half = Math.max(2, Math.ceil(points / 2))
  const thresholds = new Set<number>()
  // Thresholds at log-spaced FMR levels (from 1/n to 1), read off the impostor scores ...
  for (let i = 0; i < half; i++) {
    const rank = Math.round(Math.pow(im.length, i / (half - 1))) // 1 .. n accepted impostors
    thresholds.add(im[im.length - rank]!)
  }
  // ... and at log-spaced FNMR levels, read off the genuine scores.
  for (let i = 0; i < half; i++) {
    const rank = Math.round(Math.pow(g.length, i / (half - 1)))
    thresholds.add(g[rank - 1]!)
  }
  return [...thresholds]
    .sort((a, b) => a - b)
    .map((threshold) => ({ threshold, fmr: fmrAt(threshold), fnmr: fnmrAt(threshold) }))
}

function distinctMerged(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length)
  let i = 0
  let j = 0
  let n = 0
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!
    if (n === 0 || out[n - 1] !== v) out[n++] = v
  }
  return out.subarray(0, n)
}
