import type { Calibration } from './calibration.ts'
import type { FaceModelId } from './face-types.ts'

/** Descriptor length of each model the engine can run; a template of any other length never matches. */
export const EMBEDDING_LENGTHS: Readonly<Record<string, number>> = {
  'human-faceres': 1024,
  'human+faceapi-resnet': 128,
}

export interface FaceThresholds {
  model: FaceModelId
  embeddingLength: number
  /**
   * The gate's 1:1 threshold for multi-photo (mean) templates, and for any template of unknown kind
   * (calibration `threshold`).
   */
  matchThreshold: number
  /**
   * The gate's 1:1 threshold for a single-photo template: FMR at the target for that kind
   * (calibration `singlePhotoThreshold`).
   */
  singlePhotoMatchThreshold: number
  /** Every pair of one enrolment's photos must reach this: the single-photo 1:1 threshold. */
  samePersonThreshold: number
  /** The enrolment 1:N duplicate search (calibration `duplicateSearch`; the 1:1 threshold in files without it). */
  duplicateThreshold: number
  minDetectorScore: number
  minFaceSizePx: number
  /** Presentation-attack minimums (models/pad/presentation-check.ts); 0 turns a check off. */
  antispoofMin: number
  livenessMin: number
  /** Minimum bona fide probability of the trained PAD classifier: present only with a calibration `pad` section. */
  padMin?: number
}

/** The calibrated numbers that both enrolment and the gate apply. */
export function thresholdsFrom(calibration: Calibration): FaceThresholds {
  const embeddingLength = EMBEDDING_LENGTHS[calibration.model.name]
  if (!embeddingLength) throw new Error(`no known descriptor length for model ${calibration.model.name}`)
  return {
    model: calibration.model,
    embeddingLength,
    matchThreshold: calibration.threshold,
    singlePhotoMatchThreshold: calibration.singlePhotoThreshold ?? calibration.threshold,
    samePersonThreshold: calibration.singlePhotoThreshold ?? calibration.threshold,
    duplicateThreshold: calibration.duplicateSearch?.threshold ?? calibration.threshold,
    minDetectorScore: calibration.quality.minDetectorScore,
    minFaceSizePx: calibration.quality.minFaceSizePx,
    antispoofMin: calibration.quality.antispoofMin,
    livenessMin: calibration.quality.livenessMin,
    ...(calibration.pad ? { padMin: calibration.pad.threshold } : {}),
  }
}

/**
 * The threshold for a template made from this many photos. A mean template scores higher against everyone, so
 * the same FMR needs a higher threshold than a single photo's; one threshold for both would either let mean
 * templates run above the target FMR or reject single-photo residents several times more often. Unknown: the
 * stricter one.
 */
export function matchThresholdFor(
  photos: number | undefined,
  thresholds: Pick<FaceThresholds, 'matchThreshold' | 'singlePhotoMatchThreshold'>,
): number {
  return photos === 1 ? thresholds.singlePhotoMatchThreshold : thresholds.matchThreshold
}
