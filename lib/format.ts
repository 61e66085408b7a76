// Number formatting shared by the gate's figures and the command-line reports.

/** Rounds to `digits` decimals (2: hundredths of a millisecond, the precision every timing figure is kept at). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** A share as a percentage, pct(0.0123) is '1.23%'; 'n/a' for a share that is missing or not a number. */
export function pct(share: number | null | undefined, digits = 2): string {
  return typeof share !== 'number' || !Number.isFinite(share) ? 'n/a' : `${(share * 100).toFixed(digits)}%`
}
