// The engine side of the batch evaluations (eval, pad-eval): start a face engine sized for a batch run and
// analyse a list of image files with a few requests in flight. Edge module: reads files, drives the engine.

import { readFile } from 'node:fs/promises'
import type { FaceAnalysis, FaceBackend, FaceEngine } from '../../models/face-types.ts'
import { ImageError } from '../../models/image-errors.ts'

/** Time one image may take in a batch engine (queue included). */
export const EVAL_REQUEST_TIMEOUT_MS = 120_000

export type StartEngine = (options: {
  workers: number
  backend?: FaceBackend
  requestTimeoutMs?: number
}) => Promise<FaceEngine>

/** The real engine (models/face-engine.ts), loaded only when a run needs it. */
export const startRealEngine: StartEngine = async (o) =>
  (await import('../../models/face-engine.ts')).startFaceEngine(o)

/** Starts an engine for a batch run; a batch is not latency-bound, so one image may take long on a loaded machine. */
export function startBatchEngine(
  workers: number,
  backend: FaceBackend | undefined,
  start: StartEngine = startRealEngine,
): Promise<FaceEngine> {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers ${workers} is not a positive integer`)
  return start({ workers, ...(backend ? { backend } : {}), requestTimeoutMs: EVAL_REQUEST_TIMEOUT_MS })
}

/** One image's engine output, or the code of the image error that made it unreadable (a failure to acquire). */
export type ImageOutcome = { analysis: FaceAnalysis; imageError: null } | { analysis: null; imageError: string }

/**
 * Analyses every file with `inFlight` requests outstanding; outcomes keep the input order. An unreadable image is
 * an outcome; an engine failure is not, and rejects the whole run.
 */
export async function analyseFiles(
  engine: FaceEngine,
  files: readonly string[],
  inFlight: number,
  onDone?: (index: number, outcome: ImageOutcome) => void,
): Promise<ImageOutcome[]> {
  const out: ImageOutcome[] = new Array(files.length)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++
      out[i] = await analyseFile(engine, files[i]!)
      onDone?.(i, out[i])
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, files.length) }, lane))
  return out
}

async function analyseFile(engine: FaceEngine, file: string): Promise<ImageOutcome> {
  const bytes = await readFile(file)
  try {
    return { analysis: await engine.analyze(bytes), imageError: null }
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (error instanceof ImageError || (typeof code === 'string' && code.startsWith('IMAGE_'))) {
      return { analysis: null, imageError: typeof code === 'string' ? code : 'IMAGE_ERROR' }
    }
    throw error
  }
}
