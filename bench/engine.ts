// bench:engine: the onnxruntime engine against the tfjs reference in one process, on the same photos, in alternating
// order (the machine is shared: both see the same load), one request at a time, one worker each. Per passenger (one
// photo, one face): round-trip wall ms, the worker's wall and CPU ms per stage, and how far the outputs differ.
// Usage: npm run bench:engine -- [--dataset ../shared/faces] [--photos 50] [--rounds 2] [--json FILE]
// Without the dataset, face-api's six sample photos are used.
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { compareAnalyses } from '../models/backend-comparison.ts'
import { startFaceEngine, type FaceEnginePool } from '../models/face-engine.ts'
import type { FaceAnalysis, FaceBackend } from '../models/face-types.ts'
import { fmt, loadAverage, quantile } from './bench-figures.ts'
import { round } from '../lib/format.ts'

const { values } = parseArgs({
  options: {
    dataset: { type: 'string', default: '../shared/faces' },
    photos: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '2' },
    json: { type: 'string' },
  },
})

interface Sample {
  roundTripMs: number
  /** CPU of the whole process during the request (decode threads, worker, main). */
  processCpuMs: number
  analysis: FaceAnalysis
}

const photos = await loadPhotos(values.dataset, Number(values.photos))
const rounds = Number(values.rounds)
console.log(
  `bench:engine: ${photos.length} photos x ${rounds} rounds, ${os.cpus().length} cores, load ${loadAverage()}`,
)
const engines: Record<FaceBackend, FaceEnginePool> = {
  tfjs: await startFaceEngine({ workers: 1, backend: 'tfjs', requestTimeoutMs: 60_000 }),
  onnx: await startFaceEngine({ workers: 1, backend: 'onnx', requestTimeoutMs: 60_000 }),
}
const samples: Record<FaceBackend, Sample[]> = { tfjs: [], onnx: [] }
const firstRound: Array<{ name: string; reference?: FaceAnalysis; candidate?: FaceAnalysis }> = photos.map((p) => ({
  name: p.name,
}))
try {
  for (const backend of ['tfjs', 'onnx'] as const) for (const p of photos.slice(0, 3)) await measure(backend, p.bytes)
  for (let round = 0; round < rounds; round++) {
    for (const [i, photo] of photos.entries()) {
      const order: FaceBackend[] = (i + round) % 2 === 0 ? ['tfjs', 'onnx'] : ['onnx', 'tfjs']
      for (const backend of order) {
        const sample = await measure(backend, photo.bytes)
        samples[backend].push(sample)
        if (round === 0) firstRound[i]![backend === 'tfjs' ? 'reference' : 'candidate'] = sample.analysis
      }
    }
  }
} finally {
  await Promise.all(Object.values(engines).map((engine) => engine.close()))
}

const comparison = compareAnalyses(
  firstRound.map((p) => ({ name: p.name, reference: p.reference!, candidate: p.candidate! })),
)
const summary = (backend: FaceBackend) => {
  const list = samples[backend]
  const stage = (pick: (s: Sample) => number | undefined) => {
    const xs = list.map(pick).filter((x): x is number => x !== undefined)
    return { p50: quantile(xs, 0.5), p95: quantile(xs, 0.95) }
  }
  const t = (s: Sample) => s.analysis.timings
  return {
    p50Ms: quantile(
      list.map((s) => s.roundTripMs),
      0.5,
    ),
    p95Ms: quantile(
      list.map((s) => s.roundTripMs),
      0.95,
    ),
    processCpuMs: stage((s) => s.processCpuMs),
    stages: {
      decode: { wall: stage((s) => t(s).decodeMs) },
      detect: { wall: stage((s) => t(s).detectMs), cpu: stage((s) => t(s).cpuMs?.detect) },
      embed: { wall: stage((s) => t(s).embedMs), cpu: stage((s) => t(s).cpuMs?.embed) },
      liveness: { wall: stage((s) => t(s).livenessMs), cpu: stage((s) => t(s).cpuMs?.liveness) },
    },
  }
}
const reference = summary('tfjs')
const onnx = summary('onnx')
const result = {
  reference: { p50Ms: round(reference.p50Ms, 1), p95Ms: round(reference.p95Ms, 1) },
  onnx: { p50Ms: round(onnx.p50Ms, 1), p95Ms: round(onnx.p95Ms, 1) },
  ratio: round(reference.p50Ms / onnx.p50Ms, 2),
  minCosine: comparison.minCosine,
  maxBoxDiffPx: comparison.maxBoxDiffPx,
  maxScoreDiff: comparison.maxScoreDiff,
  maxPoseDiff: comparison.maxPoseDiff,
  mismatches: comparison.mismatches,
  faces: comparison.faces,
  photos: photos.length,
  rounds,
  loadAverage: os.loadavg().map((l) => round(l, 2)),
  detail: { reference, onnx },
}

const row = (label: string, s: { p50: number; p95: number }) => `${label} p50 ${fmt(s.p50)} p95 ${fmt(s.p95)}`
for (const [name, s] of [
  ['tfjs (reference)', reference],
  ['onnx', onnx],
] as const) {
  console.log(`\n${name}: per passenger p50 ${fmt(s.p50Ms)} p95 ${fmt(s.p95Ms)} (round trip)`)
  console.log(`  ${row('process CPU        ', s.processCpuMs)}`)
  console.log(`  ${row('decode wall        ', s.stages.decode.wall)}`)
  for (const stage of ['detect', 'embed', 'liveness'] as const) {
    console.log(`  ${row(`${stage.padEnd(8)} wall      `, s.stages[stage].wall)}`)
    console.log(`  ${row(`${stage.padEnd(8)} thread CPU`, s.stages[stage].cpu)}`)
  }
}
console.log(
  `\nratio (reference p50 / onnx p50) ${result.ratio}; ${comparison.faces} faces: 1 - min cosine ` +
    `${(1 - comparison.minCosine).toExponential(2)}, max box diff ${comparison.maxBoxDiffPx} px, ` +
    `max score diff ${comparison.maxScoreDiff}, max pose diff ${comparison.maxPoseDiff.toExponential(2)} rad`,
)
if (comparison.mismatches.length) console.log(`mismatches: ${comparison.mismatches.join('; ')}`)
console.log(`load average at the end ${loadAverage()}`)
if (values.json) {
  await mkdir(path.dirname(path.resolve(values.json)), { recursive: true })
  await writeFile(values.json, `${JSON.stringify(result, null, 2)}\n`)
}

async function measure(backend: FaceBackend, bytes: Buffer): Promise<Sample> {
  const cpu = process.cpuUsage()
  const start = performance.now()
  const analysis = await engines[backend].analyze(bytes)
  const roundTripMs = performance.now() - start
  const used = process.cpuUsage(cpu)
  return { roundTripMs, processCpuMs: (used.user + used.system) / 1000, analysis }
}

/** The first photo of each of the first `count` identities (manifest order), or face-api's samples. */
async function loadPhotos(dataset: string, count: number): Promise<Array<{ name: string; bytes: Buffer }>> {
  const manifestFile = path.join(dataset, 'manifest.json')
  if (!existsSync(manifestFile)) {
    console.log(`${manifestFile} not found: face-api's sample photos instead`)
    const require = createRequire(import.meta.url)
    const demo = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo')
    const names = [1, 2, 3, 4, 5, 6].map((i) => `sample${i}.jpg`)
    return Promise.all(names.map(async (name) => ({ name, bytes: await readFile(path.join(demo, name)) })))
  }
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as Array<{ file: string; identity: string }>
  const seen = new Set<string>()
  const picked = manifest.filter((e) => !seen.has(e.identity) && seen.add(e.identity)).slice(0, count)
  return Promise.all(picked.map(async (e) => ({ name: e.file, bytes: await readFile(path.resolve(dataset, e.file)) })))
}
