import t from 'tap'
import { compareAnalyses } from '../../models/backend-comparison.ts'
import type { DetectedFace, FaceAnalysis } from '../../models/face-types.ts'

const face = (over: Partial<DetectedFace> = {}): DetectedFace => ({
  box: [10, 20, 100, 110],
  detectorScore: 0.9,
  meshScore: 0.95,
  faceSizePx: 100,
  antispoof: 0.8,
  liveness: 0.9,
  pad: null,
  pose: { yaw: 0.1, pitch: 0, roll: 0 },
  embedding: Float32Array.from([0.6, 0.8]),
  ...over,
})
const analysis = (faces: DetectedFace[]): FaceAnalysis => ({
  width: 640,
  height: 480,
  faces,
  model: { name: 'm', version: '1' },
  timings: { decodeMs: 0, detectMs: 0, embedMs: 0, livenessMs: 0 },
})

t.test('identical analyses compare as identical', async (t) => {
  const r = compareAnalyses([{ name: 'a', reference: analysis([face()]), candidate: analysis([face()]) }])
  t.same(r, { faces: 1, minCosine: 1, maxBoxDiffPx: 0, maxScoreDiff: 0, maxPoseDiff: 0, mismatches: [] })
})

t.test('each kind of difference is reported', async (t) => {
  const other = face({
    box: [11, 20, 100, 108],
    liveness: 0.85,
    pose: { yaw: 0.3, pitch: 0, roll: 0 },
    embedding: Float32Array.from([0.8, 0.6]),
  })
  const r = compareAnalyses([
    { name: 'a', reference: analysis([face()]), candidate: analysis([other]) },
    { name: 'b', reference: analysis([face(), face()]), candidate: analysis([face()]) },
    { name: 'c', reference: analysis([face()]), candidate: analysis([face({ pose: null })]) },
  ])
  t.equal(r.maxBoxDiffPx, 2)
  t.ok(Math.abs(r.maxScoreDiff - 0.05) < 1e-9)
  t.ok(Math.abs(r.maxPoseDiff - 0.2) < 1e-9)
  t.ok(Math.abs(r.minCosine - 0.96) < 1e-6)
  t.same(r.mismatches, ['b: 2 vs 1 faces', 'c: face 0 pose on one side'])
})
