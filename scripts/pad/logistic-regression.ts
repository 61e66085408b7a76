// L2-regularised logistic regression by Newton's method (iteratively reweighted least squares): deterministic,
// no learning rate to tune, and a few iterations on a few thousand samples and a few hundred features.

export interface Standardiser {
  mean: Float64Array
  scale: Float64Array
}

/** Per-feature mean and standard deviation (1 where a feature is constant) of the weighted rows. */
export function fitStandardiser(rows: readonly Float64Array[]): Standardiser {
  const d = rows[0]!.length
  const mean = new Float64Array(d)
  const scale = new Float64Array(d)
  for (const x of rows) for (let j = 0; j < d; j++) mean[j]! += x[j]!
  for (let j = 0; j < d; j++) mean[j]! /= rows.length
  for (const x of rows) for (let j = 0; j < d; j++) scale[j]! += (x[j]! - mean[j]!) ** 2
  for (let j = 0; j < d; j++) {
    const sd = Math.sqrt(scale[j]! / rows.length)
    scale[j] = sd > 1e-9 ? sd : 1
  }
  return { mean, scale }
}

export interface LogisticModel {
  weights: Float64Array
  bias: number
}

export interface FitOptions {
  /** L2 penalty on the weights (not the bias), per unit of total sample weight. */
  l2: number
  iterations?: number
}

/**
 * Fits P(y=1|x) = sigmoid(w.x + b) on standardised rows `z`, labels 0/1 and per-sample weights (summing to
 * anything: the penalty scales with their total).
 */
export function fitLogistic(
  z: readonly Float64Array[],
  y: readonly number[],
  sampleWeight: readonly number[],
  options: FitOptions,
): LogisticModel {
  const d = z[0]!.length
  const p = d + 1 // the last coordinate is the bias
  const theta = new Float64Array(p)
  const totalWeight = sampleWeight.reduce((a, b) => a + b, 0)
  const lambda = options.l2 * totalWeight
  for (let iter = 0; iter < (options.iterations ?? 25); iter++) {
    const grad = new Float64Array(p)
    const hess = new Float64Array(p * p)
    for (let i = 0; i < z.length; i++) {
      const x = z[i]!
      let s = theta[d]!
      for (let j = 0; j < d; j++) s += theta[j]! * x[j]!
      const prob = 1 / (1 + Math.exp(-s))
      const c = sampleWeight[i]!
      const g = c * (prob - y[i]!)
      const h = c * Math.max(prob * (1 - prob), 1e-12)
      for (let j = 0; j < d; j++) {
        grad[j]! += g * x[j]!
        const hx = h * x[j]!
        const row = j * p
        for (let k = j; k < d; k++) hess[row + k]! += hx * x[k]!
        hess[row + d]! += hx
      }
      grad[d]! += g
      hess[d * p + d]! += h
    }
    for (let j = 0; j < d; j++) {
      grad[j]! += lambda * theta[j]!
      hess[j * p + j]! += lambda
    }
    for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) hess[j * p + k] = hess[k * p + j]!
    const step = choleskySolve(hess, grad, p)
    let change = 0
    for (let j = 0; j < p; j++) {
      theta[j]! -= step[j]!
      change = Math.max(change, Math.abs(step[j]!))
    }
    if (change < 1e-8) break
  }
  return { weights: theta.slice(0, d), bias: theta[d]! }
}

/** Solves A x = b for a symmetric positive definite p x p matrix (row-major). */
export function choleskySolve(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p)
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * p + j]!
      for (let k = 0; k < j; k++) sum -= l[i * p + k]! * l[j * p + k]!
      if (i === j) l[i * p + i] = Math.sqrt(Math.max(sum, 1e-12))
      else l[i * p + j] = sum / l[j * p + j]!
    }
  }
  const y = new Float64Array(p)
  for (let i = 0; i < p; i++) {
    let sum = b[i]!
    for (let k = 0; k < i; k++) sum -= l[i * p + k]! * y[k]!
    y[i] = sum / l[i * p + i]!
  }
  const x = new Float64Array(p)
  for (let i = p - 1; i >= 0; i--) {
    let sum = y[i]!
    for (let k = i + 1; k < p; k++) sum -= l[k * p + i]! * x[k]!
    x[i] = sum / l[i * p + i]!
  }
  return x
}

export function standardise(x: Float64Array, s: Standardiser): Float64Array {
  const z = new Float64Array(x.length)
  for (let j = 0; j < x.length; j++) z[j] = (x[j]! - s.mean[j]!) / s.scale[j]!
  return z
}
