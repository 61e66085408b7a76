// What the face benches print beside their timings: a quantile of the samples, a millisecond column, the load.
import os from 'node:os'

/** The sample at rank floor(q * n) of the sorted values (NaN for none). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

/** Milliseconds in a right-aligned column, one decimal. */
export function fmt(ms: number): string {
  return `${ms.toFixed(1).padStart(6)} ms`
}

/** The 1, 5 and 15 minute load averages: wall times mean little without them on a shared machine. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')
}
