import { summarise } from '../lib/percentiles.ts'
import type { ClearanceRecord } from './gate/clearance-record.ts'

export interface RunSummary {
  passengers: number
  decisions: Record<string, number>
  reasons: Record<string, number>
  clearancesPerSecond: number
  wallSeconds: number
  stagesMs: Record<string, { p50: number; p95: number }>
  truth?: { agreed: number; disagreed: number; falseAccepts: number; falseRejects: number }
}

/** Pure: per-passenger records (and optional expected outcomes) in, the run's summary out. */
export function summariseRun(
  records: readonly ClearanceRecord[],
  wallSeconds: number,
  expected?: ReadonlyArray<{ decision: string; reason: string | null }>,
): RunSummary {
  const decisions: Record<string, number> = {}
  const reasons: Record<string, number> = {}
  for (const r of records) {
    decisions[r.decision] = (decisions[r.decision] ?? 0) + 1
    const key = `${r.decision}(${r.reason ?? '-'})`
    reasons[key] = (reasons[key] ?? 0) + 1
  }
  const stagesMs: RunSummary['stagesMs'] = {}
  for (const stage of Object.keys(records[0]?.timings ?? {}) as Array<keyof ClearanceRecord['timings']>) {
    const { p50, p95 } = summarise(records.map((r) => r.timings[stage]))
    stagesMs[stage] = { p50, p95 }
  }
  const summary: RunSummary = {
    passengers: records.length,
    decisions,
    reasons,
    clearancesPerSecond: wallSeconds > 0 ? records.length / wallSeconds : 0,
    wallSeconds,
    stagesMs,
  }
  if (expected) {
    let agreed = 0
    let falseAccepts = 0
    let falseRejects = 0
    records.forEach((r, i) => {
      const want = expected[i]!
      if (r.decision === want.decision && r.reason === want.reason) agreed++
      if (r.decision === 'APPROVE' && want.decision !== 'APPROVE') falseAccepts++
      if (r.decision !== 'APPROVE' && want.decision === 'APPROVE') falseRejects++
    })
    summary.truth = { agreed, disagreed: records.length - agreed, falseAccepts, falseRejects }
  }
  return summary
}

export function formatSummary(s: RunSummary): string {
  const lines = [
    `passengers ${s.passengers} in ${s.wallSeconds.toFixed(2)} s: ${s.clearancesPerSecond.toFixed(2)} clearances/s`,
    `decisions  ${Object.entries(s.decisions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `reasons    ${Object.entries(s.reasons)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    'stage ms   p50 / p95',
    ...Object.entries(s.stagesMs).map(([k, v]) => `  ${k.padEnd(11)} ${v.p50.toFixed(1)} / ${v.p95.toFixed(1)}`),
  ]
  if (s.truth) {
    lines.push(
      `truth      ${s.truth.agreed}/${s.passengers} as expected; ` +
        `false accepts ${s.truth.falseAccepts}, false rejects ${s.truth.falseRejects}`,
    )
  }
  return lines.join('\n')
}
