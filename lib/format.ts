// Number formatting shared by the gate's figures and the command-line reports.

/** Rounds to `digits` decimals (2: hundredths of a millisecond, the precision every timing figure is kept at). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
