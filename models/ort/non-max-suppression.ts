// Greedy non-max suppression exactly as tfjs's nonMaxSuppressionV3Impl (tfjs-core, Apache-2.0) computes it for
// Human's detector: candidates strictly above the score threshold, highest first (ties: lower index first), a
// candidate dropped when its IoU with any kept box reaches the threshold. Boxes are [y1, x1, y2, x2] or
// [x1, y1, x2, y2]; IoU is the same either way.

export function nonMaxSuppression(
  boxes: Float32Array,
  scores: Float32Array,
  maxOutput: number,
  iouThreshold: number,
  scoreThreshold: number,
): number[] {
  const candidates: number[] = []
  for (let i = 0; i < scores.length; i++) if (scores[i]! > scoreThreshold) candidates.push(i)
  candidates.sort((a, b) => scores[b]! - scores[a]! || a - b)
  const selected: number[] = []
  for (const candidate of candidates) {
    if (selected.length >= maxOutput) break
    if (selected.every((kept) => iou(boxes, candidate, kept) < iouThreshold)) selected.push(candidate)
  }
  return selected
}

function iou(boxes: Float32Array, i: number, j: number): number {
  const [ay1, ax1, ay2, ax2] = [boxes[i * 4]!, boxes[i * 4 + 1]!, boxes[i * 4 + 2]!, boxes[i * 4 + 3]!]
  const [by1, bx1, by2, bx2] = [boxes[j * 4]!, boxes[j * 4 + 1]!, boxes[j * 4 + 2]!, boxes[j * 4 + 3]!]
  const areaA = (Math.max(ay1, ay2) - Math.min(ay1, ay2)) * (Math.max(ax1, ax2) - Math.min(ax1, ax2))
  const areaB = (Math.max(by1, by2) - Math.min(by1, by2)) * (Math.max(bx1, bx2) - Math.min(bx1, bx2))
  if (areaA <= 0 || areaB <= 0) return 0
  const top = Math.max(Math.min(ay1, ay2), Math.min(by1, by2))
  const left = Math.max(Math.min(ax1, ax2), Math.min(bx1, bx2))
  const bottom = Math.min(Math.max(ay1, ay2), Math.max(by1, by2))
  const right = Math.min(Math.max(ax1, ax2), Math.max(bx1, bx2))
  const intersection = Math.max(bottom - top, 0) * Math.max(right - left, 0)
  return intersection / (areaA + areaB - intersection)
}
