import { cosineSimilarity } from '../../models/match.ts'
import type { FaceModelId } from '../../models/face-types.ts'

export interface CandidateTemplate {
  residentId: string
  modelName: string
  modelVersion: string
  embedding: Float32Array
}

export interface DuplicateHit {
  residentId: string
  score: number
}

/** Pure 1:N search: the best-scoring template of the same model at or above the threshold, if any. */
export function findDuplicateFace(
  probe: Float32Array,
  model: FaceModelId,
  templates: readonly CandidateTemplate[],
  threshold: number,
): DuplicateHit | null {
  let best: DuplicateHit | null = null
  for (const t of templates) {
    if (t.modelName !== model.name || t.modelVersion !== model.version) continue
    const score = cosineSimilarity(probe, t.embedding)
    if (score >= threshold && (!best || score > best.score)) best = { residentId: t.residentId, score }
  }
  return best
}
