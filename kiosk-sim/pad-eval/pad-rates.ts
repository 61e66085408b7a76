// Counts and rates of the PAD report (ISO/IEC 30107-3). Pure.
import { wilsonInterval } from '../../models/eval/metrics.ts'

/** k of n, the share, and its 95% Wilson interval; rate and interval are null when n is 0. */
export interface RateWithCi {
  k: number
  n: number
  rate: number | null
  ci95: { low: number; high: number } | null
}

export interface Rate {
  k: number
  n: number
  rate: number | null
}

export function rate(k: number, n: number): Rate {
  return { k, n, rate: n > 0 ? k / n : null }
}

export function rateWithCi(k: number, n: number): RateWithCi {
  return { ...rate(k, n), ci95: n > 0 ? wilsonInterval(k, n) : null }
}

/** Counts items by a key, keys in first-seen order. */
export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1
  return out
}
