import { summarise, type Percentiles } from '../../lib/percentiles.ts'
import { CONTACTLESS_SHARE_REFERENCE } from '../../contract/contactless-share.ts'
import type { ClearanceRecord } from '../gate/clearance-record.ts'
import { rate, type Rate } from '../pad-eval/pad-rates.ts'
import { ATTACK_SPECIES, type Mix, type PlannedPassenger } from './passenger-plan.ts'

/** Seconds a physical contactless e-Channel takes per passenger (mission.md). */
export const GATE_SECONDS_PER_PASSENGER = 7

export interface LoadtestInput {
  kioskIds: string[]
  records: Array<{ record: ClearanceRecord; plan: PlannedPassenger }>
  wallSec: number
  setupSec: number
  conventionalSent: number
  eventsSent: number
  eventsStored: number
  serverShare: number | null
  configuredShare: number
  serverLatency: Percentiles[]
  workerErrors: number
  serverUrls: string[]
  mix: Mix
}

export interface LoadtestReport {
  kiosks: number
  serverUrls: string[]
  wallSeconds: number
  setupSeconds: number
  contactlessCleared: number
  conventionalLogged: number
  clearancesPerSecond: number
  clearancesPerSecondPerKiosk: Record<string, number>
  latencyMs: Record<'total' | 'decode' | 'verify' | 'detect' | 'embed' | 'liveness' | 'match', Percentiles>
  serverLatencyMs: Percentiles
  /** scenario -> "DECISION(REASON)" -> count */
  decisions: Record<string, Record<string, number>>
  /** APCER per presentation attack species: k attacks approved of n presented (ISO/IEC 30107-3). */
  attacks: Record<string, Rate>
  falseAccepts: number
  falseRejects: number
  asExpected: number
  errors: { internal: number; serverUnavailable: number; workers: number }
  share: { measured: number | null; configured: number; reference: number }
  equivalentGates: number
  eventsSent: number
  eventsStored: number
  lostEvents: number
  mix: Mix
}

const STAGES = {
  total: 'totalMs',
  decode: 'decodeMs',
  verify: 'verifyMs',
  detect: 'detectMs',
  embed: 'embedMs',
  liveness: 'livenessMs',
  match: 'matchMs',
} as const

/** Pure: the run's records and counters in, the planner's report out. */
export function buildLoadtestReport(input: LoadtestInput): LoadtestReport {
  const decisions: Record<string, Record<string, number>> = {}
  const perKiosk: Record<string, number> = Object.fromEntries(input.kioskIds.map((id) => [id, 0]))
  let falseAccepts = 0
  let falseRejects = 0
  let asExpected = 0
  let internal = 0
  let serverUnavailable = 0
  const attackCounts = new Map<string, { k: number; n: number }>(ATTACK_SPECIES.map((s) => [s, { k: 0, n: 0 }]))
  for (const { record, plan } of input.records) {
    if (plan.attack) {
      const c = attackCounts.get(plan.attack.species) ?? { k: 0, n: 0 }
      c.n++
      if (record.decision === 'APPROVE') c.k++
      attackCounts.set(plan.attack.species, c)
    }
    const outcome = record.reason ? `${record.decision}(${record.reason})` : record.decision
    const row = (decisions[plan.scenario ?? 'conventional'] ??= {})
    row[outcome] = (row[outcome] ?? 0) + 1
    perKiosk[record.kioskId] = (perKiosk[record.kioskId] ?? 0) + 1
    const approved = record.decision === 'APPROVE'
    if (approved && !plan.truth.approve) falseAccepts++
    if (!approved && plan.truth.approve) falseRejects++
    if (approved === plan.truth.approve && (plan.truth.reason === null || plan.truth.reason === record.reason))
      asExpected++
    if (record.reason === 'INTERNAL_ERROR') internal++
    if (record.reason === 'SERVER_UNAVAILABLE') serverUnavailable++
  }
  const wall = Math.max(input.wallSec, 1e-9)
  const clearancesPerSecond = input.records.length / wall
  const latencyMs = Object.fromEntries(
    Object.entries(STAGES).map(([name, key]) => [name, summarise(input.records.map((r) => r.record.timings[key]))]),
  ) as LoadtestReport['latencyMs']
  return {
    kiosks: input.kioskIds.length,
    serverUrls: input.serverUrls,
    wallSeconds: input.wallSec,
    setupSeconds: input.setupSec,
    contactlessCleared: input.records.length,
    conventionalLogged: input.conventionalSent,
    clearancesPerSecond,
    clearancesPerSecondPerKiosk: Object.fromEntries(Object.entries(perKiosk).map(([id, n]) => [id, n / wall])),
    latencyMs,
    serverLatencyMs: worstOf(input.serverLatency),
    decisions,
    attacks: Object.fromEntries([...attackCounts].map(([species, c]) => [species, rate(c.k, c.n)])),
    falseAccepts,
    falseRejects,
    asExpected,
    errors: { internal, serverUnavailable, workers: input.workerErrors },
    share: { measured: input.serverShare, configured: input.configuredShare, reference: CONTACTLESS_SHARE_REFERENCE },
    equivalentGates: clearancesPerSecond * GATE_SECONDS_PER_PASSENGER,
    eventsSent: input.eventsSent,
    eventsStored: input.eventsStored,
    lostEvents: input.eventsSent - input.eventsStored,
    mix: input.mix,
  }
}

/** "printed-photo 3/40 (7.5%), synthetic-screen 0/38 (0.0%)"; a species not presented reads "none presented". */
export function formatAttacks(attacks: LoadtestReport['attacks']): string {
  return Object.entries(attacks)
    .map(([s, a]) => (a.n === 0 ? `${s} none presented` : `${s} ${a.k}/${a.n} (${((a.k / a.n) * 100).toFixed(1)}%)`))
    .join(', ')
}

/** Kiosks measure server latency separately; the report states the worst kiosk's percentiles. */
function worstOf(list: Percentiles[]): Percentiles {
  const pick = (k: keyof Percentiles) => Math.max(...list.map((p) => (Number.isFinite(p[k]) ? p[k] : 0)), 0)
  return { p50: pick('p50'), p95: pick('p95'), p99: pick('p99') }
}

export function formatLoadtestReport(r: LoadtestReport): string {
  const ms = (p: Percentiles) => `${p.p50.toFixed(1)} / ${p.p95.toFixed(1)} / ${p.p99.toFixed(1)}`
  const lines = [
    `kiosks ${r.kiosks} -> ${r.serverUrls.join(', ')}; ` +
      `setup ${r.setupSeconds.toFixed(1)} s, run ${r.wallSeconds.toFixed(1)} s`,
    `contactless cleared ${r.contactlessCleared}: ${r.clearancesPerSecond.toFixed(2)} clearances/s (${Object.entries(
      r.clearancesPerSecondPerKiosk,
    )
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ')})`,
    `equivalent physical gates at ${GATE_SECONDS_PER_PASSENGER} s/passenger: ${r.equivalentGates.toFixed(1)}`,
    'stage ms p50 / p95 / p99',
    ...Object.entries(r.latencyMs).map(([k, v]) => `  ${k.padEnd(9)} ${ms(v)}`),
    `server round trip ms p50 / p95 / p99: ${ms(r.serverLatencyMs)}`,
    'decisions by scenario',
    ...Object.entries(r.decisions).map(
      ([s, row]) =>
        `  ${s.padEnd(9)} ${Object.entries(row)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
    ),
    `as expected ${r.asExpected}/${r.contactlessCleared}; ` +
      `false accepts ${r.falseAccepts}, false rejects ${r.falseRejects}`,
    `attacks approved (APCER): ${formatAttacks(r.attacks)}`,
    `errors: internal ${r.errors.internal}, server unavailable ${r.errors.serverUnavailable}, ` +
      `workers ${r.errors.workers}`,
    `contactless share: measured ${r.share.measured === null ? '-' : (r.share.measured * 100).toFixed(1)}% ` +
      `(configured ${(r.share.configured * 100).toFixed(0)}%, ImmD first month ${r.share.reference * 100}%)`,
    `events sent ${r.eventsSent}, stored ${r.eventsStored}, lost ${r.lostEvents}`,
  ]
  return lines.join('\n')
}
