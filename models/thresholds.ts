import type { Calibration } from './calibration.ts'
import type { FaceModelId } from './face-types.ts'

/** Descriptor length of each model the engine can run; a template of any other length never matches. */
export const EMBEDDING_LENGTHS: Readonly<Record<string, number>> = { 'human-faceres': 1024, 'human+faceapi-resnet': 128 }

export interface FaceThresholds {
  model: FaceModelId
  embeddingLength: number
  matchThreshold: number
  minDetectorScore: number
  minFaceSizePx: number
  antispoofMin: number
  livenessMin: number
}

/** The calibrated numbers that both enrolment and the gate apply. */
export function thresholdsFrom(calibration: Calibration): FaceThresholds {
  const embeddingLength = EMBEDDING_LENGTHS[calibration.model.name]
  if (!embeddingLength) throw new Error(`no known descriptor length for model ${calibration.model.name}`)
  return {
    model: calibration.model,
    embeddingLength,
    matchThreshold: calibration.threshold,
    minDetectorScore: calibration.quality.minDetectorScore,
    minFaceSizePx: calibration.quality.minFaceSizePx,
    antispoofMin: calibration.quality.antispoofMin,
    livenessMin: calibration.quality.livenessMin,
  }
}
