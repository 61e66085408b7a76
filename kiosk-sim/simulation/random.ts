// Seeded randomness for the control-point simulation. Pure: the same seed and stream give the same draws.
// Generator: xoshiro128** (Blackman & Vigna), its 128-bit state filled by splitmix32 from (seed, stream).

export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number
  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number
  /** Standard normal (Box-Muller, no cached spare). */
  normal(): number
  /** exp(N(mu, sigma^2)). */
  lognormal(mu: number, sigma: number): number
  /** Gamma with shape k and scale theta (Marsaglia-Tsang; k < 1 by the u^(1/k) boost). */
  gamma(shape: number, scale: number): number
}

function splitmix32(state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

/** An independent generator for each (seed, stream) pair, so that model parts draw from their own streams. */
export function createRng(seed: number, stream = 0): Rng {
  const mix = splitmix32((Math.trunc(seed) ^ Math.imul(stream + 1, 0x27d4eb2d)) >>> 0)
  let a = mix()
  let b = mix()
  let c = mix()
  let d = mix()
  if ((a | b | c | d) === 0) a = 1 // the all-zero state is a fixed point
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0
    const t = b << 9
    c ^= a
    d ^= b
    b ^= c
    a ^= d
    c ^= t
    d = rotl(d, 11)
    return result
  }
  const uniform = () => next() / 4294967296
  const normal = () => {
    const u1 = 1 - uniform() // (0, 1]
    const u2 = uniform()
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  }
  const gamma = (shape: number, scale: number): number => {
    if (shape === 1) return -Math.log(1 - uniform()) * scale
    if (shape < 1) return gamma(shape + 1, scale) * Math.pow(1 - uniform(), 1 / shape)
    const dd = shape - 1 / 3
    const cc = 1 / Math.sqrt(9 * dd)
    for (;;) {
      let x: number
      let v: number
      do {
        x = normal()
        v = 1 + cc * x
      } while (v <= 0)
      v = v * v * v
      const u = 1 - uniform()
      if (u < 1 - 0.0331 * x * x * x * x) return dd * v * scale
      if (Math.log(u) < 0.5 * x * x + dd * (1 - v + Math.log(v))) return dd * v * scale
    }
  }
  return {
    uniform,
    exponential: (rate) => -Math.log(1 - uniform()) / rate,
    normal,
    lognormal: (mu, sigma) => Math.exp(mu + sigma * normal()),
    gamma,
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

export type ServiceDistribution = 'gamma' | 'lognormal'

/** A service time by its mean and coefficient of variation (sd / mean). */
export interface ServiceTimeSpec {
  mean: number
  cv: number
  /** gamma (default): cv 1 is exactly exponential, cv 0 is constant. lognormal: heavier right tail. */
  dist?: ServiceDistribution
}

export function sampleServiceTime(rng: Rng, spec: ServiceTimeSpec): number {
  const { mean, cv } = spec
  if (cv <= 0 || mean <= 0) return Math.max(mean, 0)
  if (spec.dist === 'lognormal') {
    const sigma2 = Math.log(1 + cv * cv)
    return rng.lognormal(Math.log(mean) - sigma2 / 2, Math.sqrt(sigma2))
  }
  const shape = 1 / (cv * cv)
  return rng.gamma(shape, mean / shape)
}

/**
 * Next event time of a Poisson process whose rate is constant within each segment of `segmentSec`
 * (`ratesPerSegment[i]` events per segment, the list repeating), after time `t`. Memorylessness lets a draw
 * that overshoots its segment restart at the boundary with the next rate. Returns Infinity at or past `endSec`.
 */
export function nextPiecewisePoisson(
  rng: Rng,
  t: number,
  ratesPerSegment: readonly number[],
  segmentSec: number,
  endSec: number,
): number {
  if (ratesPerSegment.length === 0) return Number.POSITIVE_INFINITY
  let now = t
  while (now < endSec) {
    const segment = Math.floor(now / segmentSec)
    const boundary = Math.min((segment + 1) * segmentSec, endSec)
    const perSegment = ratesPerSegment[segment % ratesPerSegment.length] ?? 0
    if (perSegment > 0) {
      const candidate = now + rng.exponential(perSegment / segmentSec)
      if (candidate < boundary) return candidate
    }
    now = boundary
  }
  return Number.POSITIVE_INFINITY
}

/** Poisson-distributed count with mean lambda (Knuth for small means, a normal approximation above 500). */
export function poissonCount(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0
  if (lambda > 500) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()))
  const limit = Math.exp(-lambda)
  let k = 0
  let p = rng.uniform()
  while (p > limit) {
    k++
    p *= rng.uniform()
  }
  return k
}
