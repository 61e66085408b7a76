// The port of tfjs's NMS against tfjs's own implementation, on random overlapping boxes.
import { kernel_impls } from '@tensorflow/tfjs-core'
import t from 'tap'
import { nonMaxSuppression } from '../../models/ort/non-max-suppression.ts'

function random(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

t.test('the same boxes as tfjs nonMaxSuppressionV3Impl, in the same order', async (t) => {
  const next = random(7)
  for (let trial = 0; trial < 200; trial++) {
    const n = 1 + Math.floor(next() * 60)
    const boxes = new Float32Array(n * 4)
    const scores = new Float32Array(n)
    for (let i = 0; i < n; i++) {
      const [x, y, s] = [next() * 200, next() * 200, 10 + next() * 60]
      boxes.set([x, y, x + s, y + s * (0.8 + next() * 0.4)], i * 4)
      // Coarse scores, so that ties (lower index first) happen.
      scores[i] = Math.round(next() * 20) / 20
    }
    const [max, iou, minScore] = [1 + Math.floor(next() * 5), next() * 0.5, next() * 0.5]
    const expected = kernel_impls.nonMaxSuppressionV3Impl(boxes, scores, max, iou, minScore).selectedIndices
    t.same(nonMaxSuppression(boxes, scores, max, iou, minScore), expected, `trial ${trial}`)
  }
})

t.test('a box overlapping a better one by the threshold or more is dropped', async (t) => {
  const boxes = new Float32Array([0, 0, 10, 10, 0, 0, 10, 10, 20, 20, 30, 30])
  const scores = new Float32Array([0.9, 0.95, 0.5])
  t.same(nonMaxSuppression(boxes, scores, 3, 0.1, 0.2), [1, 2])
  t.same(nonMaxSuppression(boxes, scores, 3, 0.1, 0.6), [1], 'scores at or below the threshold are not candidates')
})
