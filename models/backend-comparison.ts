// How far the onnxruntime engine's output is from the tfjs reference's: pure, over two lists of analyses of the same
// images. Used by the equivalence test and by bench:engine.
import type { DetectedFace, FaceAnalysis } from './face-types.ts'
import { cosineSimilarity } from './match.ts'

export interface BackendComparison {
  /** Faces compared (in photos where both backends found the same number). */
  faces: number
  /** Lowest descriptor cosine over those faces (1 when none). */
  minCosine: number
  /** Largest difference of any box coordinate, in pixels. */
  maxBoxDiffPx: number
  /** Largest difference of the detector, mesh, anti-spoof or liveness score. */
  maxScoreDiff: number
  /** Largest difference of a pose angle, in radians (a pose on one side only counts as a mismatch). */
  maxPoseDiff: number
  /** Photos where the backends found different numbers of faces, or a descriptor on one side only. */
  mismatches: string[]
}

export function compareAnalyses(
  pairs: ReadonlyArray<{ name: string; reference: FaceAnalysis; candidate: FaceAnalysis }>,
): BackendComparison {
  const result: BackendComparison = {
    faces: 0,
    minCosine: 1,
    maxBoxDiffPx: 0,
    maxScoreDiff: 0,
    maxPoseDiff: 0,
    mismatches: [],
  }
  for (const { name, reference, candidate } of pairs) {
    if (reference.faces.length !== candidate.faces.length) {
      result.mismatches.push(`${name}: ${reference.faces.length} vs ${candidate.faces.length} faces`)
      continue
    }
    reference.faces.forEach((face, i) => {
      const other = candidate.faces[i]!
      result.faces++
      for (let k = 0; k < 4; k++)
        result.maxBoxDiffPx = Math.max(result.maxBoxDiffPx, Math.abs(face.box[k]! - other.box[k]!))
      result.maxScoreDiff = Math.max(result.maxScoreDiff, scoreDiff(face, other))
      if ((face.pose === null) !== (other.pose === null)) result.mismatches.push(`${name}: face ${i} pose on one side`)
      else if (face.pose && other.pose) {
        for (const k of ['yaw', 'pitch', 'roll'] as const)
          result.maxPoseDiff = Math.max(result.maxPoseDiff, Math.abs(face.pose[k] - other.pose[k]))
      }
      if (face.embedding.length !== other.embedding.length) {
        result.mismatches.push(`${name}: face ${i} has a descriptor on one side only`)
      } else if (face.embedding.length > 0) {
        result.minCosine = Math.min(result.minCosine, cosineSimilarity(face.embedding, other.embedding))
      }
    })
  }
  return result
}

function scoreDiff(a: DetectedFace, b: DetectedFace): number {
  const diff = (x: number | null, y: number | null) => (x === null || y === null ? (x === y ? 0 : 1) : Math.abs(x - y))
  return Math.max(
    diff(a.detectorScore, b.detectorScore),
    diff(a.meshScore, b.meshScore),
    diff(a.antispoof, b.antispoof),
    diff(a.liveness, b.liveness),
  )
}
