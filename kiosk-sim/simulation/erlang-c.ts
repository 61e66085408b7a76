// Closed forms for the M/M/c queue (Poisson arrivals, exponential service, c servers, one FIFO queue).
// Pure. Rates are in any one time unit; waits come back in that unit.

/** Erlang B blocking probability by the stable recurrence B(0) = 1, B(k) = a·B(k-1) / (k + a·B(k-1)). */
export function erlangB(c: number, a: number): number {
  if (!Number.isInteger(c) || c < 0) throw new RangeError(`erlangB: c must be a non-negative integer, got ${c}`)
  if (!(a >= 0)) throw new RangeError(`erlangB: offered load must be >= 0, got ${a}`)
  let b = 1
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b)
  return b
}

/**
 * Erlang C: the probability that an arrival waits, for c servers and offered load a = lambda / mu (erlangs).
 * From Erlang B without factorials: C = B / (1 - rho·(1 - B)), rho = a / c. It is 1 when a >= c (unstable).
 */
export function erlangC(c: number, a: number): number {
  if (!Number.isInteger(c) || c < 1) throw new RangeError(`erlangC: c must be a positive integer, got ${c}`)
  if (!(a >= 0)) throw new RangeError(`erlangC: offered load must be >= 0, got ${a}`)
  if (a >= c) return 1
  const b = erlangB(c, a)
  return b / (1 - (a / c) * (1 - b))
}

/** Server utilisation rho = lambda / (c·mu). Above 1 the queue grows without bound. */
export function mmcUtilisation(lambda: number, mu: number, c: number): number {
  return lambda / (c * mu)
}

/** Mean time in queue Wq = C(c, a) / (c·mu - lambda); Infinity when unstable. */
export function mmcMeanWait(lambda: number, mu: number, c: number): number {
  if (lambda >= c * mu) return Number.POSITIVE_INFINITY
  return erlangC(c, lambda / mu) / (c * mu - lambda)
}

/** P(Wq > t) = C(c, a)·exp(-(c·mu - lambda)·t); 1 when unstable. */
export function mmcWaitExceeds(lambda: number, mu: number, c: number, t: number): number {
  if (lambda >= c * mu) return 1
  return erlangC(c, lambda / mu) * Math.exp(-(c * mu - lambda) * t)
}

/**
 * Smallest number of servers for which at least `target` of arrivals wait in the queue no longer than `pledge`
 * (M/M/c: P(Wq <= pledge) >= target). Service time is not counted in the wait. Throws past `maxServers`.
 */
export function gatesForPledge(lambda: number, mu: number, pledge: number, target = 0.98, maxServers = 10_000): number {
  if (!(lambda >= 0) || !(mu > 0)) throw new RangeError('gatesForPledge: need lambda >= 0 and mu > 0')
  if (lambda === 0) return 0
  for (let c = Math.max(1, Math.floor(lambda / mu)); c <= maxServers; c++) {
    if (1 - mmcWaitExceeds(lambda, mu, c, pledge) >= target) return c
  }
  throw new RangeError(`gatesForPledge: more than ${maxServers} servers needed`)
}
