import type { DetectedFace } from './face-types.ts'

/**
 * The faces that count as people: confident enough, not tiny, and one per person — Human sometimes returns two
 * overlapping boxes for one face, so a box that overlaps a more confident one (IoU >= 0.5) is the same face.
 * Most confident first.
 */
export function distinctFaces(
  faces: readonly DetectedFace[],
  minDetectorScore: number,
  minFaceSizePx: number,
): DetectedFace[] {
  const candidates = faces
    .filter((f) => f.detectorScore >= minDetectorScore && f.faceSizePx >= minFaceSizePx)
    .sort((a, b) => b.detectorScore - a.detectorScore)
  const kept: DetectedFace[] = []
  for (const face of candidates) if (kept.every((k) => overlap(k.box, face.box) < 0.5)) kept.push(face)
  return kept
}

/** Intersection over union of two [x, y, w, h] boxes. */
export function overlap(a: DetectedFace['box'], b: DetectedFace['box']): number {
  const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0])
  const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1])
  if (w <= 0 || h <= 0) return 0
  const intersection = w * h
  return intersection / (a[2] * a[3] + b[2] * b[3] - intersection)
}
