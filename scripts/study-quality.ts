// Enrolment quality gates: FTE against FNMR, over an embedding cache (kiosk-sim eval --embeddings). Pure math, no
// engine. Prints markdown tables and writes the figures as JSON.
//   node --import tsx scripts/study-quality.ts --embeddings out/embeddings-full.json [--json out/study-quality.json]
// Pairs are the eval's: every genuine pair, and the same seeded sample of impostor pairs (rescoreFromCache).

import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { rescoreFromCache } from '../kiosk-sim/eval/run-eval.ts'
import { parseCalibration } from '../models/calibration.ts'
import { decodeEmbeddingCache, type CachedQuality } from '../models/eval/embedding-cache.ts'
import { highestThresholdWithin } from '../models/eval/metrics.ts'
import {
  allOf,
  chooseGate,
  passMask,
  sortDescending,
  tradeoffPoint,
  type GateSide,
  type TradeoffPoint,
} from '../models/eval/quality-tradeoff.ts'
import { buildPairs, DEFAULT_SEED } from '../models/eval/pairs.ts'
import { pct } from '../lib/format.ts'

const TARGET_FMR = 0.001
/** The selection rule's FTE ceilings: per gate, and for the gates together. */
const MAX_FTE_PER_GATE = 0.02
const MAX_FTE_COMBINED = 0.05
/** Candidate thresholds: the highest grid value rejecting at most each of these shares of the photos. */
const REJECT_SHARES = [0, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.2]

const { values } = parseArgs({
  options: {
    embeddings: { type: 'string', default: 'out/embeddings-full.json' },
    calibration: { type: 'string', default: 'models/calibration.json' },
    json: { type: 'string', default: 'out/study-quality.json' },
  },
})
const cache = decodeEmbeddingCache(await readFile(values.embeddings, 'utf8'))
const calibration = parseCalibration(JSON.parse(await readFile(values.calibration, 'utf8')))
const fixedThreshold = calibration.singlePhotoThreshold ?? calibration.threshold

// The eval's pairs and scores; positions index cache.images (rescoreFromCache numbers samples the same way).
const run = rescoreFromCache(cache)
const pairs = buildPairs(
  cache.images.map((img, index) => ({ index, identity: img.identity, acquired: img.fta === null })),
  { seed: cache.subset?.seed ?? DEFAULT_SEED },
)
const genuine = { a: pairs.genuine.a, b: pairs.genuine.b, scores: run.genuineScores }
const impostorDesc = sortDescending({ a: pairs.impostor.a, b: pairs.impostor.b, scores: run.impostorScores })

interface Gate {
  name: string
  /** Where the system applies it today. */
  appliedAt: string
  direction: 'min' | 'max'
  step: number
  current: number | null
  value: (q: CachedQuality) => number | null
}
const DEG = 180 / Math.PI
const GATES: Gate[] = [
  {
    name: 'minFaceSizePx',
    appliedAt: 'enrolment',
    direction: 'min',
    step: 1,
    current: calibration.quality.minFaceSizePx,
    value: (q) => q.faceSizePx,
  },
  {
    name: 'minDetectorScore',
    appliedAt: 'enrolment',
    direction: 'min',
    step: 0.01,
    current: calibration.quality.minDetectorScore,
    value: (q) => q.detectorScore,
  },
  {
    name: 'antispoofMin',
    appliedAt: 'enrolment and kiosk',
    direction: 'min',
    step: 0.01,
    current: calibration.quality.antispoofMin,
    value: (q) => q.antispoof,
  },
  {
    name: 'livenessMin',
    appliedAt: 'kiosk',
    direction: 'min',
    step: 0.01,
    current: calibration.quality.livenessMin,
    value: (q) => q.liveness,
  },
  // Not a gate today: max(|yaw|, |pitch|) in degrees from the mesh.
  {
    name: 'maxPoseDeg',
    appliedAt: 'nowhere (candidate)',
    direction: 'max',
    step: 1,
    current: null,
    value: (q) => (q.pose ? Math.max(Math.abs(q.pose.yaw), Math.abs(q.pose.pitch)) * DEG : null),
  },
]

const valuesOf = (gate: Gate) => cache.images.map((img) => (img.quality ? gate.value(img.quality) : null))

/** Candidate thresholds of one gate: the current one, and the loosest grid value at each reject share. */
function candidates(gate: Gate): number[] {
  const vs = valuesOf(gate).filter((v): v is number => v !== null)
  const sign = gate.direction === 'min' ? 1 : -1
  const out = new Set<number>(gate.current === null ? [] : [gate.current])
  for (const share of REJECT_SHARES)
    out.add(
      sign *
        highestThresholdWithin(
          vs.map((v) => sign * v),
          share,
          gate.step,
        ).threshold,
    )
  if (gate.direction === 'max') out.add(Infinity)
  return [...out].sort((x, y) => sign * (x - y))
}

interface Measured {
  gate: string
  value: number
  point: TradeoffPoint
  both: TradeoffPoint
}
const measure = (gate: string, value: number, pass: Uint8Array): Measured => ({
  gate,
  value,
  point: tradeoffPoint(pass, genuine, impostorDesc, { side: 'enrolment', targetFmr: TARGET_FMR, fixedThreshold }),
  both: tradeoffPoint(pass, genuine, impostorDesc, { side: 'both' as GateSide, targetFmr: TARGET_FMR, fixedThreshold }),
})

const ci = (r: { rate: number; ciLow: number; ciHigh: number }) => `${pct(r.rate)} [${pct(r.ciLow)}, ${pct(r.ciHigh)}]`
const fmtValue = (v: number) => (Number.isNaN(v) ? '' : Number.isFinite(v) ? String(v) : 'none')
const header =
  '| gate | threshold | FTE | FNMR at FMR 0.1% [95% CI] (t) | FNMR at t 0.9328 [95% CI] | FMR at 0.9328 ' +
  '| both sides gated: FNMR at FMR 0.1% |\n|---|---|---|---|---|---|---|'
const line = (m: Measured, note = '') =>
  `| ${m.gate}${note} | ${fmtValue(m.value)} | ${pct(m.point.fte)} (${m.point.fteCount}) ` +
  `| ${ci(m.point.atTarget)} (${m.point.atTarget.threshold.toFixed(4)}) | ${ci(m.point.atFixed)} ` +
  `| ${pct(m.point.atFixed.fmr, 3)} | ${pct(m.both.atTarget.rate)} |`

// Failed acquisitions fail every gate (they cannot enrol).
const acquired = Uint8Array.from(cache.images, (img) => (img.fta === null ? 1 : 0))
// An infinite threshold is "no gate": it passes photos without the figure too (pose is null on 9 photos).
const gateMask = (gate: Gate, t: number) =>
  Number.isFinite(t) ? allOf([acquired, passMask(valuesOf(gate), t, gate.direction)]) : acquired
const noGate = measure('no gate', -Infinity, acquired)
const rows: Measured[] = [noGate]
const chosen: Record<string, { value: number; changed: boolean }> = {}
const sweeps: Record<string, Measured[]> = {}
console.log(
  `${cache.images.length} images, ${pairs.genuine.length} genuine pairs, ` +
    `${pairs.impostor.length} impostor pairs; fixed threshold ${fixedThreshold}\n`,
)
console.log(header)
console.log(line(noGate))
for (const gate of GATES) {
  const sweep = candidates(gate).map((t) => measure(gate.name, t, gateMask(gate, t)))
  sweeps[gate.name] = sweep
  for (const m of sweep) console.log(line(m, m.value === gate.current ? ' (current)' : ''))
  const current = sweep.find((m) => m.value === gate.current) ?? sweep.find((m) => !Number.isFinite(m.value))!
  const pick = chooseGate(sweep, current, MAX_FTE_PER_GATE)
  chosen[gate.name] = { value: pick.chosen.value, changed: pick.changed }
  rows.push(current)
  if (pick.changed) rows.push(pick.chosen)
}

// The enrolment check as the server applies it (size, detector score, anti-spoof) at today's values; then each
// gate's chosen value on top of it. A change is adopted only if it also clears the CI in combination.
const ENROLMENT = GATES.filter((g) => ['minFaceSizePx', 'minDetectorScore', 'antispoofMin'].includes(g.name))
const currentValue = (g: Gate) => g.current ?? (g.direction === 'min' ? -Infinity : Infinity)
const combined = (set: readonly Gate[], pick: (g: Gate) => number) =>
  measure(
    `combined: ${set.map((g) => `${g.name} ${fmtValue(pick(g))}`).join(', ')}`,
    NaN,
    allOf(set.map((g) => gateMask(g, pick(g)))),
  )
const combinedNow = combined(ENROLMENT, currentValue)
// Without the anti-spoof check, whose threshold is a presentation-attack setting (BPCER), not an accuracy one.
const accuracyOnly = combined(
  ENROLMENT.filter((g) => g.name !== 'antispoofMin'),
  currentValue,
)
console.log(line(accuracyOnly))
console.log(line(combinedNow))
const adopted: Record<string, { value: number; combined: Measured; adopted: boolean }> = {}
for (const gate of GATES) {
  if (!chosen[gate.name]!.changed) continue
  const set = ENROLMENT.includes(gate) ? ENROLMENT : [...ENROLMENT, gate]
  const withIt = combined(set, (g) => (g === gate ? chosen[g.name]!.value : currentValue(g)))
  console.log(line(withIt))
  adopted[gate.name] = {
    value: chosen[gate.name]!.value,
    combined: withIt,
    adopted: withIt.point.atTarget.rate < combinedNow.point.atTarget.ciLow,
  }
}
console.log(
  `\nper gate (FTE <= ${pct(MAX_FTE_PER_GATE, 0)}, change only if FNMR falls below the current value's CI):`,
  chosen,
)
console.log(
  'in combination with the current enrolment gates:',
  Object.fromEntries(Object.entries(adopted).map(([k, v]) => [k, { value: v.value, adopted: v.adopted }])),
)
console.log(`current enrolment gates together: FTE ${pct(combinedNow.point.fte)} (ceiling ${pct(MAX_FTE_COMBINED, 0)})`)

await writeFile(
  values.json,
  JSON.stringify(
    {
      targetFmr: TARGET_FMR,
      fixedThreshold,
      maxFtePerGate: MAX_FTE_PER_GATE,
      maxFteCombined: MAX_FTE_COMBINED,
      noGate,
      sweeps,
      chosen,
      accuracyOnly,
      combinedNow,
      adopted,
    },
    null,
    1,
  ),
)
