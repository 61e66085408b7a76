// 1:N duplicate-face search: TemplateIndex latency and memory at 10k, 100k and 1M synthetic templates shaped like the
// calibrated engine's (models/calibration.json: 128-d face-api descriptors, threshold at FMR 0.1%).
// Usage: node --import tsx bench/dedup.ts [--sizes 10000,100000,1000000] [--probes 20] [--verify 20,20,4]
//          [--dimensions D] [--threshold T] [--impostor-mean M] [--impostor-sd S]
//   (add --expose-gc before --import to free each size's index before the next is built)
// Templates: x = a·c + b·w + e·n, normalised, where c is one shared direction, w a random direction in a 16-d
// subspace and n isotropic noise. a² is the impostor mean cosine and b² = 4·sd (the cosine of two random unit vectors
// of a 16-d space has sd 1/4). Defaults for the engine: mean 0.855, sd 0.025, read off the calibration (EER 2.2% at
// 0.906, FMR 0.1% at 0.933, as a normal tail). Face descriptors are not isotropic: face-api's all score high.
// --dimensions 1024 --threshold 0.6352 --impostor-mean 0.25 --impostor-sd 0.1 is the previous faceres engine.
// Probes: 8 planted near a template at threshold + {0.05, ±1e-3, ±1e-6, 0, 0.3, -0.05}, 12 fresh (impostors only).
// "bf ok" compares `search` with a brute-force `cosineSimilarity` scan over the stored templates for a sample of
// probes.
import os from 'node:os'
import { parseArgs } from 'node:util'
import { percentile } from '../lib/percentiles.ts'
import { loadCalibration } from '../models/calibration.ts'
import { cosineSimilarity } from '../models/match.ts'
import { thresholdsFrom } from '../models/thresholds.ts'
import { TemplateIndex, type TemplateHit } from '../server/enrolment/template-index.ts'
import { loadAverage } from './bench-figures.ts'

const RANK = 16
const calibrated = thresholdsFrom(loadCalibration())
const PLANTED = [0.05, 1e-3, -1e-3, 1e-6, -1e-6, 0, 0.3, -0.05]

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    probes: { type: 'string', default: '20' },
    verify: { type: 'string', default: '20,20,4' },
    seed: { type: 'string', default: '20261125' },
    dimensions: { type: 'string', default: String(calibrated.embeddingLength) },
    threshold: { type: 'string', default: String(calibrated.matchThreshold) },
    'impostor-mean': { type: 'string', default: '0.855' },
    'impostor-sd': { type: 'string', default: '0.025' },
  },
})
const D = Number(values.dimensions)
const THRESHOLD = Number(values.threshold)
const COMMON = Number(values['impostor-mean'])
const SUBSPACE = 4 * Number(values['impostor-sd'])
if (!(COMMON > 0 && SUBSPACE > 0 && COMMON + SUBSPACE < 1))
  throw new RangeError('need impostor-mean > 0, impostor-sd > 0 and mean + 4·sd < 1')
const NOISE = 1 - COMMON - SUBSPACE
const sizes = values.sizes.split(',').map(Number)
const probeCount = Number(values.probes)
const verifyCounts = values.verify.split(',').map(Number)
const seed = Number(values.seed)

/** xorshift32 uniform in (0, 1), seeded. */
function uniform(seedValue: number): () => number {
  let s = seedValue >>> 0 || 1
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return ((s >>> 0) + 0.5) / 2 ** 32
  }
}

/** Generator of synthetic templates: one shared direction, a 16-d identity subspace, isotropic noise. */
function templateGenerator(seedValue: number): (out: Float32Array) => Float32Array {
  const random = uniform(seedValue)
  const gauss = () => Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random())
  const common = new Float64Array(D).map(gauss)
  const basis = new Float64Array(D * RANK).map(gauss) // column-major: basis[r * D + i]
  const unitInPlace = (v: Float64Array) => {
    let sum = 0
    for (let i = 0; i < v.length; i++) sum += (v[i] as number) ** 2
    const norm = Math.sqrt(sum)
    for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / norm
    return v
  }
  unitInPlace(common)
  const w = new Float64Array(D)
  const n = new Float64Array(D)
  const z = new Float64Array(RANK)
  return (out) => {
    for (let r = 0; r < RANK; r++) z[r] = gauss()
    w.fill(0)
    for (let r = 0; r < RANK; r++) {
      const zr = z[r] as number
      for (let i = 0, o = r * D; i < D; i++) w[i] = (w[i] as number) + zr * (basis[o + i] as number)
    }
    for (let i = 0; i < D; i++) n[i] = random() - 0.5
    unitInPlace(w)
    unitInPlace(n)
    let sum = 0
    for (let i = 0; i < D; i++) {
      const x =
        Math.sqrt(COMMON) * (common[i] as number) +
        Math.sqrt(SUBSPACE) * (w[i] as number) +
        Math.sqrt(NOISE) * (n[i] as number)
      n[i] = x
      sum += x * x
    }
    const norm = Math.sqrt(sum)
    for (let i = 0; i < D; i++) out[i] = (n[i] as number) / norm
    return out
  }
}

/** A unit vector with cosine `score` to unit `x`, built from a fresh synthetic template `fresh`. */
function plant(x: Float32Array, fresh: Float32Array, score: number): Float32Array {
  let along = 0
  for (let i = 0; i < D; i++) along += (fresh[i] as number) * (x[i] as number)
  const ortho = Float64Array.from(fresh, (f, i) => f - along * (x[i] as number))
  const orthoNorm = Math.hypot(...ortho)
  const probe = Float64Array.from(
    x,
    (v, i) => score * v + Math.sqrt(1 - score * score) * ((ortho[i] as number) / orthoNorm),
  )
  const norm = Math.hypot(...probe)
  return Float32Array.from(probe, (v) => v / norm)
}

const sameHits = (a: TemplateHit[], b: TemplateHit[]) =>
  a.length === b.length && a.every((h, i) => h.id === b[i]?.id && h.score === b[i]?.score)
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0)
const gc = (globalThis as { gc?: () => void }).gc

console.log(
  `dedup bench: ${os.cpus().length} cores (${os.cpus()[0]?.model}), ${mb(os.totalmem())} MB RAM, ` +
    `node ${process.version}, load average ${loadAverage()}`,
)
console.log(`d=${D}, threshold ${THRESHOLD}, ${probeCount} probes per size (${PLANTED.length} planted), seed ${seed}\n`)

const rows: string[][] = []
for (const [s, size] of sizes.entries()) {
  gc?.()
  const generate = templateGenerator(seed + s)
  const scratch = new Float32Array(D)
  let started = performance.now()
  const index = new TemplateIndex({ ...calibrated.model, dimensions: D, initialCapacity: size })
  for (let j = 0; j < size; j++) index.add(`t${j}`, generate(scratch))
  const buildS = (performance.now() - started) / 1000

  const random = uniform(seed + 1000 + s)
  const probes = Array.from({ length: probeCount }, (_, j) => {
    const fresh = generate(new Float32Array(D))
    const offset = PLANTED[j]
    return offset === undefined
      ? fresh
      : plant(index.get(`t${Math.floor(random() * size)}`)!, fresh, THRESHOLD + offset)
  })

  started = performance.now()
  index.search(probes[probeCount - 1]!, { threshold: THRESHOLD })
  const firstMs = performance.now() - started
  const times: number[] = []
  const topTimes: number[] = []
  const results: TemplateHit[][] = []
  let candidates = 0
  let worstRatio = 0
  for (const probe of probes) {
    started = performance.now()
    const report = index.searchWithReport(probe, { threshold: THRESHOLD })
    times.push(performance.now() - started)
    started = performance.now()
    index.search(probe, { threshold: -1, k: 5 })
    topTimes.push(performance.now() - started)
    results.push(report.hits)
    candidates += report.candidates
    worstRatio = Math.max(worstRatio, report.maxErrorOverBound)
  }
  const rss = process.memoryUsage().rss

  // Brute force over the stored float templates, one pass for all sampled probes.
  const verify = Math.min(probeCount, verifyCounts[s] ?? verifyCounts.at(-1) ?? 0)
  const brute: TemplateHit[][] = Array.from({ length: verify }, () => [])
  let impostorSum = 0
  let impostorSq = 0
  started = performance.now()
  for (let j = 0; j < size; j++) {
    const id = `t${j}`
    const stored = index.get(id)!
    for (let p = 0; p < verify; p++) {
      const score = cosineSimilarity(probes[p]!, stored)
      if (score >= THRESHOLD) brute[p]!.push({ id, score })
      if (p === verify - 1) {
        impostorSum += score
        impostorSq += score * score
      }
    }
  }
  const bruteMs = (performance.now() - started) / Math.max(1, verify)
  for (const hits of brute) hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const matched = brute.filter((hits, p) => sameHits(hits, results[p]!)).length
  const planted = PLANTED.slice(0, probeCount)
    .map((offset, p) => ({ offset, hits: results[p]! }))
    .filter(({ offset }) => offset !== 0)
  const plantedFound = planted.filter(
    ({ offset, hits }) => offset > 0 === hits.some((h) => Math.abs(h.score - THRESHOLD - offset) < 1e-5),
  ).length
  const mean = impostorSum / size

  rows.push([
    String(size),
    buildS.toFixed(1),
    percentile(times, 50).toFixed(1),
    percentile(times, 95).toFixed(1),
    firstMs.toFixed(1),
    percentile(topTimes, 50).toFixed(1),
    (candidates / probeCount).toFixed(1),
    mb(index.allocatedBytes),
    String(Math.round(index.allocatedBytes / size)),
    mb(rss),
    `${matched}/${verify}`,
    bruteMs.toFixed(0),
  ])
  console.log(
    `${size}: built in ${buildS.toFixed(1)} s; impostor cosines (last sampled probe) mean ${mean.toFixed(3)} ` +
      `sd ${Math.sqrt(impostorSq / size - mean * mean).toFixed(3)};` +
      ` planted (offset ≠ 0) found iff above the threshold ${plantedFound}/${planted.length}; ` +
      `max |exact − approx| / margin ${worstRatio.toFixed(3)}; load ${loadAverage()}`,
  )
}

const header = [
  'templates',
  'build s',
  'ms p50',
  'ms p95',
  'first ms',
  'top5 p50',
  'cand/probe',
  'index MB',
  'B/tmpl',
  'RSS MB',
  'bf ok',
  'bf ms',
]
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
console.log(`\n${header.map((h, i) => h.padStart(widths[i]!)).join('  ')}`)
for (const row of rows) console.log(row.map((c, i) => c.padStart(widths[i]!)).join('  '))
console.log(
  `\nload average ${loadAverage()}; ms = TemplateIndex.search at threshold ${THRESHOLD} ` +
    `(int8 SIMD scan + float re-rank of candidates); top5 = k 5 at threshold -1; ` +
    `bf ms = brute-force cosineSimilarity scan per probe`,
)
