// Face accuracy evaluation on a labelled photo set: runs the real face engine on every image, scores
// genuine and impostor pairs with cosine similarity, and reports ISO/IEC 19795-1 figures.
// Edge module: reads the dataset and drives the engine; the statistics live in models/eval/ (pure).

import type { FaceBackend } from '../../models/face-types.ts'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { FaceEngine, FaceModelId } from '../../models/face-types.ts'
import { analyseFiles, startBatchEngine, type ImageOutcome, type StartEngine } from './analyse-images.ts'
import { cosineSimilarity } from '../../models/match.ts'
import { scoreMetrics, type ScoreMetrics } from '../../models/eval/metrics.ts'
import type { EmbeddingCache } from '../../models/eval/embedding-cache.ts'
import {
  buildPairs,
  DEFAULT_MAX_IMPOSTORS,
  DEFAULT_SEED,
  selectIdentitySubset,
  type PairList,
} from '../../models/eval/pairs.ts'

export const REPORT_FMR_TARGETS = ['0.01', '0.001', '0.0001'] as const
export const QUALITY_THRESHOLDS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] as const

export interface EvalProgress {
  done: number
  total: number
  fta: number
}

export interface EvalOptions {
  /** Folder holding manifest.json; image paths in it are relative to this folder. */
  dataset: string
  /** Evaluate about this many images, made of whole identities (see selectIdentitySubset). */
  limit?: number
  /** Face engine worker threads (default 2); 2 analyses per worker are kept in flight. */
  workers?: number
  seed?: number
  maxImpostors?: number
  onProgress?: (progress: EvalProgress) => void
  /** Defaults to the real engine (models/face-engine.ts). */
  startEngine?: StartEngine
  /** Where the engine runs its networks; default onnxruntime. */
  backend?: FaceBackend
}

export type FtaReason = 'no-face' | 'no-embedding' | 'image-error'

export interface FaceQuality {
  detectorScore: number
  faceSizePx: number
  antispoof: number | null
  liveness: number | null
  pose: { yaw: number; pitch: number; roll: number } | null
}

export interface ImageResult {
  file: string
  identity: string
  /** Faces found (0 on FTA by no face or image error). */
  faces: number
  fta: FtaReason | null
  /** Largest face's quality data; null when no face. */
  quality: FaceQuality | null
  /**
   * Model time in the worker: detect + embed + liveness stages (0 for an image error). Decode is left out:
   * with two requests per worker it overlaps the previous detection, and its timer then includes that wait.
   */
  ms: number
}

export interface RateAtFmr {
  fnmr: number
  threshold: number
  fmr: number
  ciLow: number
  ciHigh: number
}

export interface BpcerTable {
  /** Bona fide images with a score (every acquired image, unless the model gave none). */
  images: number
  /** BPCER at threshold t: share of those bona fide images whose score is below t. */
  bpcerAt: Record<string, number>
}

export interface EvalReport {
  dataset: string
  subset: { limit: number; seed: number } | null
  model: FaceModelId
  scoring: 'cosine'
  images: number
  identities: number
  fta: { count: number; rate: number; reasons: Record<FtaReason, number> }
  pairs: {
    genuine: number
    impostor: number
    impostorAvailable: number
    impostorSampled: boolean
    excludedByFta: { genuine: number; impostor: number }
  }
  eer: { eer: number; threshold: number }
  fnmrAtFmr: Record<(typeof REPORT_FMR_TARGETS)[number], RateAtFmr>
  auc: number
  antispoof: BpcerTable
  liveness: BpcerTable
  timing: {
    /** Model time per image in one worker (ImageResult.ms). */
    msPerImageMedian: number
    msPerImageP95: number
    /** Whole run, from engine start to scores: wall seconds. */
    totalSeconds: number
    workers: number
    imagesPerSecond: number
    /** Worker time per image, everything included: totalSeconds * workers / images. */
    workerMsPerImage: number
  }
  createdAt: string
}

/** Everything a run produced: the report, plus per-image data and raw scores for plots and calibration. */
export interface EvalRun {
  report: EvalReport
  images: ImageResult[]
  genuineScores: Float64Array
  impostorScores: Float64Array
  metrics: ScoreMetrics
  /** Per image, in `images` order; empty for an image that failed to acquire. */
  embeddings: Float32Array[]
}

interface ManifestEntry {
  file: string
  identity: string
}

export async function runEval(options: EvalOptions): Promise<EvalReport> {
  return (await runEvalDetailed(options)).report
}

export async function runEvalDetailed(options: EvalOptions): Promise<EvalRun> {
  const workers = options.workers ?? 2
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers ${workers} is not a positive integer`)
  const seed = options.seed ?? DEFAULT_SEED
  const manifest = await readManifest(options.dataset)
  const selected =
    options.limit === undefined
      ? manifest
      : selectIdentitySubset(
          manifest.map((e) => e.identity),
          options.limit,
          seed,
        ).map((i) => manifest[i]!)

  const started = performance.now()
  const engine = await startBatchEngine(workers, options.backend, options.startEngine)
  let analysed: Array<{ result: ImageResult; embedding: Float32Array }>
  try {
    analysed = await analyseAll(engine, options.dataset, selected, workers * 2, options.onProgress)
  } finally {
    await engine.close()
  }

  const images = analysed.map((a) => a.result)
  const embeddings = analysed.map((a) => a.embedding)
  return scoreImages({
    dataset: options.dataset,
    subset: options.limit === undefined ? null : { limit: options.limit, seed },
    model: engine.model,
    images,
    embeddings,
    seed,
    maxImpostors: options.maxImpostors,
    started,
    workers,
  })
}

/** Options of a re-score from cached embeddings (see models/eval/embedding-cache.ts). */
export interface RescoreOptions {
  seed?: number
  maxImpostors?: number
}

/**
 * The same report from a cache of a previous run, without the engine: same pairs, same scores. Timing keeps
 * the cached per-image model times; `totalSeconds` is the re-score's own wall time and `workers` is 0.
 */
export function rescoreFromCache(cache: EmbeddingCache, options: RescoreOptions = {}): EvalRun {
  const started = performance.now()
  return scoreImages({
    dataset: cache.dataset,
    subset: cache.subset,
    model: cache.model,
    images: cache.images.map(({ embedding: _embedding, ...result }) => result),
    embeddings: cache.images.map((i) => i.embedding),
    seed: options.seed ?? cache.subset?.seed ?? DEFAULT_SEED,
    maxImpostors: options.maxImpostors,
    started,
    workers: 0,
  })
}

/** The run as a cache: per-image results and embeddings. */
export function toEmbeddingCache(run: EvalRun): EmbeddingCache {
  return {
    model: run.report.model,
    dataset: run.report.dataset,
    subset: run.report.subset,
    createdAt: run.report.createdAt,
    images: run.images.map((img, i) => ({ ...img, embedding: run.embeddings[i]! })),
  }
}

interface ScoreInput {
  dataset: string
  subset: EvalReport['subset']
  model: FaceModelId
  images: ImageResult[]
  embeddings: Float32Array[]
  seed: number
  maxImpostors: number | undefined
  started: number
  workers: number
}

function scoreImages({
  dataset,
  subset,
  model,
  images,
  embeddings,
  seed,
  maxImpostors,
  started,
  workers,
}: ScoreInput): EvalRun {
  const pairs = buildPairs(
    images.map((img, index) => ({ index, identity: img.identity, acquired: img.fta === null })),
    { maxImpostors: maxImpostors ?? DEFAULT_MAX_IMPOSTORS, seed },
  )
  const genuineScores = scorePairs(pairs.genuine, embeddings)
  const impostorScores = scorePairs(pairs.impostor, embeddings)
  const metrics = scoreMetrics(genuineScores, impostorScores)
  const totalSeconds = (performance.now() - started) / 1000

  const fnmrAtFmr = Object.fromEntries(
    REPORT_FMR_TARGETS.map((key) => {
      const r = metrics.fnmrAtFmr(Number(key))
      return [key, { fnmr: r.fnmr, threshold: r.threshold, fmr: r.fmr, ciLow: r.ciLow, ciHigh: r.ciHigh }]
    }),
  ) as EvalReport['fnmrAtFmr']
  const ftaCount = images.filter((i) => i.fta !== null).length
  const reasons: Record<FtaReason, number> = { 'no-face': 0, 'no-embedding': 0, 'image-error': 0 }
  for (const img of images) if (img.fta) reasons[img.fta]++
  const acquired = images.filter((i) => i.fta === null)
  const ms = images
    .filter((i) => i.fta !== 'image-error')
    .map((i) => i.ms)
    .sort((a, b) => a - b)

  const report: EvalReport = {
    dataset,
    subset,
    model: { name: model.name, version: model.version },
    scoring: 'cosine',
    images: images.length,
    identities: new Set(images.map((i) => i.identity)).size,
    fta: { count: ftaCount, rate: ftaCount / images.length, reasons },
    pairs: {
      genuine: pairs.genuine.length,
      impostor: pairs.impostor.length,
      impostorAvailable: pairs.impostorAvailable,
      impostorSampled: pairs.impostorSampled,
      excludedByFta: pairs.excludedByFta,
    },
    eer: metrics.eer(),
    fnmrAtFmr,
    auc: metrics.auc(),
    antispoof: bpcerTable(acquired.map((i) => i.quality?.antispoof ?? null)),
    liveness: bpcerTable(acquired.map((i) => i.quality?.liveness ?? null)),
    timing: {
      msPerImageMedian: quantile(ms, 0.5),
      msPerImageP95: quantile(ms, 0.95),
      totalSeconds,
      workers,
      imagesPerSecond: images.length / totalSeconds,
      workerMsPerImage: (totalSeconds * 1000 * workers) / images.length,
    },
    createdAt: new Date().toISOString(),
  }
  return { report, images, genuineScores, impostorScores, metrics, embeddings }
}

/** BPCER at QUALITY_THRESHOLDS over bona fide scores; null scores (no model output) are left out. */
export function bpcerTable(scores: readonly (number | null)[]): BpcerTable {
  const present = scores.filter((s): s is number => s !== null)
  const bpcerAt: Record<string, number> = {}
  for (const t of QUALITY_THRESHOLDS) {
    bpcerAt[String(t)] = present.length === 0 ? NaN : present.filter((s) => s < t).length / present.length
  }
  return { images: present.length, bpcerAt }
}

/** Quantile of an ascending array, linear interpolation between closest ranks (R type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

async function readManifest(dataset: string): Promise<ManifestEntry[]> {
  const file = path.join(dataset, 'manifest.json')
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error
    throw new Error(`${dataset}: no manifest.json (an array of { file, identity }; see README, "Face accuracy")`)
  })
  const parsed: unknown = JSON.parse(text)
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error(`${file}: expected a non-empty array`)
  const root = path.resolve(dataset)
  return parsed.map((entry: unknown, i) => {
    const e = entry as Partial<ManifestEntry> | null
    if (typeof e?.file !== 'string' || typeof e.identity !== 'string' || e.identity === '') {
      throw new Error(`${file}[${i}]: expected { file: string, identity: string }`)
    }
    const resolved = path.resolve(root, e.file)
    if (!resolved.startsWith(root + path.sep)) throw new Error(`${file}[${i}]: ${e.file} is outside the dataset`)
    return { file: e.file, identity: e.identity }
  })
}

/** Analyses every image with `inFlight` requests outstanding; results keep the input order. */
async function analyseAll(
  engine: FaceEngine,
  dataset: string,
  entries: readonly ManifestEntry[],
  inFlight: number,
  onProgress: EvalOptions['onProgress'],
): Promise<Array<{ result: ImageResult; embedding: Float32Array }>> {
  let done = 0
  let fta = 0
  const outcomes = await analyseFiles(
    engine,
    entries.map((e) => path.join(dataset, e.file)),
    inFlight,
    (i, outcome) => {
      done++
      if (toImageResult(entries[i]!, outcome).result.fta) fta++
      onProgress?.({ done, total: entries.length, fta })
    },
  )
  return outcomes.map((outcome, i) => toImageResult(entries[i]!, outcome))
}

function toImageResult(entry: ManifestEntry, outcome: ImageOutcome): { result: ImageResult; embedding: Float32Array } {
  const base = { file: entry.file, identity: entry.identity }
  const analysis = outcome.analysis
  if (!analysis) {
    return { result: { ...base, faces: 0, fta: 'image-error', quality: null, ms: 0 }, embedding: new Float32Array(0) }
  }
  const t = analysis.timings
  const ms = t.detectMs + t.embedMs + t.livenessMs
  const face = analysis.faces[0]
  if (!face) return { result: { ...base, faces: 0, fta: 'no-face', quality: null, ms }, embedding: new Float32Array(0) }
  const quality: FaceQuality = {
    detectorScore: face.detectorScore,
    faceSizePx: face.faceSizePx,
    antispoof: face.antispoof,
    liveness: face.liveness,
    pose: face.pose,
  }
  const fta = face.embedding.length === 0 ? 'no-embedding' : null
  return { result: { ...base, faces: analysis.faces.length, fta, quality, ms }, embedding: face.embedding }
}

function scorePairs(pairs: PairList, embeddings: readonly Float32Array[]): Float64Array {
  const scores = new Float64Array(pairs.length)
  for (let k = 0; k < pairs.length; k++)
    scores[k] = cosineSimilarity(embeddings[pairs.a[k]!]!, embeddings[pairs.b[k]!]!)
  return scores
}
