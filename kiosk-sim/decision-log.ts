// The run's decision log (JSON lines). Runs append to one file, so that a camera session and the runs before it
// stay side by side; every line carries its run's id and the time it was written, and every run starts with one
// line saying what it was, so that lines from different runs are never mixed up.
import { appendFileSync, mkdirSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import path from 'node:path'

export interface DecisionLog {
  readonly file: string
  /** e.g. 2026-12-06T07:30:08Z-3f9a: sorts by start time, unique between runs started in the same second. */
  readonly runId: string
  write(entry: Record<string, unknown>): void
}

/** Opens (creates) the log and writes the run's first line: { runId, at, run: { command, ... } }. */
export function openDecisionLog(file: string, run: Record<string, unknown>, now = () => new Date()): DecisionLog {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true })
  const runId = `${now().toISOString().slice(0, 19)}Z-${randomBytes(2).toString('hex')}`
  const write = (entry: Record<string, unknown>) =>
    appendFileSync(file, `${JSON.stringify({ runId, at: now().toISOString(), ...entry })}\n`)
  write({ run })
  return { file, runId, write }
}
