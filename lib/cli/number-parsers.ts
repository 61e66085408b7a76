// The one set of number checks for every command's options. Each returns a commander argument parser: commander
// turns its InvalidArgumentError into one line naming the flag ("option '--duration <seconds>' argument 'abc' is
// invalid. expected a number of seconds > 0"), and the program exits 2.
import { InvalidArgumentError } from 'commander'

export type NumberParser = (text: string) => number

interface Range {
  /** Inclusive bounds. */
  min?: number
  max?: number
  /** Exclusive lower bound (a duration must be > 0, not >= 0). */
  above?: number
  /** What the number is, for the message: "a number of seconds". */
  what?: string
}

function describe(kind: string, range: Range): string {
  const bounds = [
    range.above !== undefined ? `> ${range.above}` : '',
    range.min !== undefined && range.max !== undefined ? `from ${range.min} to ${range.max}` : '',
    range.min !== undefined && range.max === undefined ? `>= ${range.min}` : '',
    range.min === undefined && range.max !== undefined ? `<= ${range.max}` : '',
  ].filter(Boolean)
  return `expected ${range.what ?? kind}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`
}

function inRange(value: number, range: Range): boolean {
  return (
    (range.min === undefined || value >= range.min) &&
    (range.max === undefined || value <= range.max) &&
    (range.above === undefined || value > range.above)
  )
}

/** A finite number within the range ("1e3" and "0.5" are fine; "", "abc", "Infinity" are not). */
export function numberIn(range: Range = {}): NumberParser {
  return (text) => {
    const value = Number(text)
    if (text.trim() === '' || !Number.isFinite(value) || !inRange(value, range))
      throw new InvalidArgumentError(describe('a number', range))
    return value
  }
}

/** A whole number within the range. */
export function integerIn(range: Range = {}): NumberParser {
  return (text) => {
    const value = Number(text)
    if (!/^\s*[+-]?\d+\s*$/.test(text) || !Number.isSafeInteger(value) || !inRange(value, range))
      throw new InvalidArgumentError(describe('a whole number', range))
    return value
  }
}

/** A count of things: a whole number >= 1 (at most max). */
export const count = (max?: number, what?: string): NumberParser =>
  integerIn({ min: 1, ...(max !== undefined ? { max } : {}), ...(what ? { what } : {}) })

/** A duration in seconds, > 0. */
export const seconds: NumberParser = numberIn({ above: 0, what: 'a number of seconds' })

/** A share or rate in [0, 1]. */
export const fraction: NumberParser = numberIn({ min: 0, max: 1, what: 'a fraction' })

/** A TCP port (0: any free port). */
export const port: NumberParser = integerIn({ min: 0, max: 65535, what: 'a port' })

/** A comma-separated list, each item checked by the given parser. */
export function listOf(parser: NumberParser): (text: string) => number[] {
  return (text) => text.split(',').map((item) => parser(item))
}
