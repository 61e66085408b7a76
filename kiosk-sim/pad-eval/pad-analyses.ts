// Per-image engine output of a PAD run: every face found (box, all scores, embedding), so that a run can be
// re-scored without the engine (other thresholds, a trained classifier's training set). Pure: data <-> JSON text.
// One image per line; embeddings as little-endian Float32 in base64 (models/eval/embedding-cache.ts).

import type { DetectedFace, FaceBackend, FaceModelId } from '../../models/face-types.ts'
import { base64ToFloat32, float32ToBase64 } from '../../models/eval/embedding-cache.ts'
import { PadEvalError } from './pad-eval-error.ts'
import type { PadEntry } from './pad-manifest.ts'

export const PAD_ANALYSES_FORMAT = 'echannel-pad-analyses/1'

export interface PadImageAnalysis extends PadEntry {
  /** The image error code when the frame could not be decoded (then no faces). */
  imageError: string | null
  width: number
  height: number
  /** Every face the engine returned, largest first, as the gate receives them. */
  faces: DetectedFace[]
  /** Model time in the worker: detect + embed + liveness. */
  ms: number
}

export interface PadAnalyses {
  model: FaceModelId
  backend: FaceBackend
  dataset: string
  createdAt: string
  images: PadImageAnalysis[]
}

export function encodePadAnalyses(run: PadAnalyses): string {
  const head = JSON.stringify({
    format: PAD_ANALYSES_FORMAT,
    model: run.model,
    backend: run.backend,
    dataset: run.dataset,
    createdAt: run.createdAt,
  })
  const lines = run.images.map((img) =>
    JSON.stringify({ ...img, faces: img.faces.map((f) => ({ ...f, embedding: float32ToBase64(f.embedding) })) }),
  )
  return `${head.slice(0, -1)},"images":[\n${lines.join(',\n')}\n]}\n`
}

/** Parses a file written by encodePadAnalyses; throws PadEvalError (PAD_ANALYSES_INVALID) at the first problem. */
export function decodePadAnalyses(text: string): PadAnalyses {
  const invalid = (problem: string) => new PadEvalError('PAD_ANALYSES_INVALID', `PAD analyses: ${problem}`)
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(text) as Record<string, unknown>
  } catch (error) {
    throw invalid((error as Error).message)
  }
  if (parsed?.format !== PAD_ANALYSES_FORMAT) throw invalid(`format is not ${PAD_ANALYSES_FORMAT}`)
  const model = parsed.model as FaceModelId | undefined
  if (typeof model?.name !== 'string' || typeof model.version !== 'string') throw invalid('model is missing')
  if (parsed.backend !== 'onnx' && parsed.backend !== 'tfjs') throw invalid('backend is missing')
  if (typeof parsed.dataset !== 'string' || typeof parsed.createdAt !== 'string') throw invalid('dataset is missing')
  if (!Array.isArray(parsed.images)) throw invalid('images is not an array')
  const images = parsed.images.map((raw: unknown, i): PadImageAnalysis => {
    const img = raw as PadImageAnalysis & { faces: Array<DetectedFace & { embedding: unknown }> }
    if (typeof img?.file !== 'string' || typeof img.subject !== 'string') throw invalid(`images[${i}] has no file`)
    if (img.presentation !== 'bona-fide' && img.presentation !== 'attack')
      throw invalid(`images[${i}] has no presentation`)
    if (!Array.isArray(img.faces)) throw invalid(`images[${i}].faces is not an array`)
    const faces = img.faces.map((f, k) => {
      if (!Array.isArray(f?.box) || typeof f.detectorScore !== 'number' || typeof f.embedding !== 'string')
        throw invalid(`images[${i}].faces[${k}] is incomplete`)
      return { ...f, pad: f.pad ?? null, embedding: base64ToFloat32(f.embedding, `images[${i}].faces[${k}]`) }
    })
    return { ...img, faces }
  })
  return {
    model: { name: model.name, version: model.version },
    backend: parsed.backend,
    dataset: parsed.dataset,
    createdAt: parsed.createdAt,
    images,
  }
}
