import type { DetectedFace } from '../../models/face-types.ts'
import type { FaceThresholds } from '../../models/thresholds.ts'

export const TEST_MODEL = { name: 'human-faceres', version: 'test' }
export const TEST_DIM = 8

export const testThresholds: FaceThresholds = {
  model: TEST_MODEL,
  embeddingLength: TEST_DIM,
  matchThreshold: 0.6,
  singlePhotoMatchThreshold: 0.6,
  samePersonThreshold: 0.6,
  duplicateThreshold: 0.6,
  minDetectorScore: 0.5,
  minFaceSizePx: 80,
  antispoofMin: 0.3,
  livenessMin: 0.3,
}

/** A unit vector along axis `axis`, optionally tilted toward the next axis. */
export function unitVector(axis: number, tilt = 0, dim = TEST_DIM): Float32Array {
  const v = new Float32Array(dim)
  v[axis % dim] = Math.cos(tilt)
  v[(axis + 1) % dim] = Math.sin(tilt)
  return v
}

export function face(overrides: Partial<DetectedFace> = {}): DetectedFace {
  return {
    box: [100, 100, 160, 180],
    detectorScore: 0.95,
    meshScore: 0.9,
    faceSizePx: 160,
    antispoof: 0.9,
    liveness: 0.9,
    pad: null,
    pose: { yaw: 0, pitch: 0, roll: 0 },
    embedding: unitVector(0),
    ...overrides,
  }
}
