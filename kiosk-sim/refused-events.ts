// Events the server refused are not lost silently: each goes into the run's decision log with the server's code,
// and the run says how many in one line (and exits non-zero).
import type { DecisionLog } from './decision-log.ts'
import type { RefusedEvent } from './event-reporter.ts'

/** Logs the refused events; returns the one-line notice, or null when there were none. */
export function recordRefused(refused: readonly RefusedEvent[], total: number, log: DecisionLog): string | null {
  if (refused.length === 0) return null
  const byCode = new Map<string, number>()
  for (const { event, code, message } of refused) {
    log.write({ refused: { code, message }, event })
    byCode.set(code, (byCode.get(code) ?? 0) + 1)
  }
  const codes = [...byCode].map(([code, n]) => `${code} x${n}`).join(', ')
  return `${refused.length} of ${total} events refused by the server (${codes}); kept in ${log.file} (run ${log.runId})`
}
