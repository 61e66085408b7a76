// The calibrated decision threshold and quality gates, shared by enrolment (server) and verification
// (kiosk). Written by scripts/calibrate.ts from a measured run; read once at start and validated here.

import { CodedError } from '../lib/coded-error.ts'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'
import type { FaceModelId } from './face-types.ts'
import { sameFaceModel } from './face-model.ts'

export const DEFAULT_CALIBRATION_PATH = fileURLToPath(new URL('./calibration.json', import.meta.url))

const Rate = Type.Number({ minimum: 0, maximum: 1 })
const Count = Type.Integer({ minimum: 0 })

export const CalibrationSchema = Type.Object(
  {
    model: Type.Object({ name: Type.String({ minLength: 1 }), version: Type.String({ minLength: 1 }) }),
    scoring: Type.Literal('cosine'),
    /** FMR the threshold was chosen for (per comparison, ISO/IEC 19795-1). */
    targetFmr: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    /** Accept a comparison when cosine similarity >= threshold. */
    threshold: Type.Number({ minimum: -1, maximum: 1 }),
    dataset: Type.Object({
      path: Type.String({ minLength: 1 }),
      images: Type.Integer({ minimum: 1 }),
      identities: Type.Integer({ minimum: 1 }),
      /** Image limit of the deterministic subset, or null for the whole dataset. */
      limit: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
      seed: Count,
    }),
    figures: Type.Object({
      eer: Rate,
      eerThreshold: Type.Number({ minimum: -1, maximum: 1 }),
      /** Measured at `threshold`. */
      fmrAtThreshold: Rate,
      fnmrAtTargetFmr: Rate,
      /** 95% Wilson score interval of fnmrAtTargetFmr. */
      fnmrCi95: Type.Object({ low: Rate, high: Rate }),
      fta: Rate,
      auc: Rate,
      genuinePairs: Count,
      impostorPairs: Count,
    }),
    /** Capture and enrolment gates: a face below any minimum is rejected before matching. */
    quality: Type.Object({
      minFaceSizePx: Count,
      minDetectorScore: Rate,
      antispoofMin: Rate,
      livenessMin: Rate,
      /** Share of the bona fide (acquired) photos each gate rejects on the calibration set. */
      rejectShare: Type.Object({
        faceSize: Rate,
        detectorScore: Rate,
        antispoof: Rate,
        liveness: Rate,
        combined: Rate,
      }),
      /** How the minimums were chosen. */
      rule: Type.String({ minLength: 1 }),
    }),
    /**
     * Photos per enrolment that `threshold` and `figures` were measured with (1: one photo is the template).
     * Absent in older files, which means 1.
     */
    enrolmentPhotos: Type.Optional(Type.Integer({ minimum: 1 })),
    /**
     * The threshold at targetFmr with one-photo templates (the threshold of `figures`), when `threshold` was
     * raised for multi-photo templates; also the same-person check between enrolment photos.
     */
    singlePhotoThreshold: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
    /** The same target FMR measured with a template that is the unit-length mean of `photos` enrolment photos. */
    multiPhoto: Type.Optional(
      Type.Object(
        {
          photos: Type.Integer({ minimum: 2 }),
          fusion: Type.Literal('mean'),
          threshold: Type.Number({ minimum: -1, maximum: 1 }),
          fnmrAtTargetFmr: Rate,
          fnmrCi95: Type.Object({ low: Rate, high: Rate }),
          fmrAtThreshold: Rate,
          eer: Rate,
          genuinePairs: Count,
          impostorPairs: Count,
          /** One photo on the same probes, for comparison (the full-set single-photo figures are in `figures`). */
          singlePhotoSameProbes: Type.Object({
            threshold: Type.Number({ minimum: -1, maximum: 1 }),
            fnmrAtTargetFmr: Rate,
          }),
          protocol: Type.String({ minLength: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** The enrolment 1:N duplicate search: a candidate at or above `threshold` sends the enrolment to review. */
    duplicateSearch: Type.Optional(
      Type.Object(
        {
          threshold: Type.Number({ minimum: -1, maximum: 1 }),
          /** Measured false-positive identification rate at `threshold` (non-mated searches sent to review). */
          fpir: Rate,
          fpirTarget: Rate,
          /** Measured false-negative identification rate (mated searches not flagged). */
          fnir: Rate,
          /** Enrolled identities in the measured gallery: the threshold holds up to about this size. */
          galleryIdentities: Type.Integer({ minimum: 1 }),
          searches: Count,
          method: Type.String({ minLength: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** The presentation-attack classifier (models/pad): the gate refers a face scoring below `threshold`. */
    pad: Type.Optional(
      Type.Object(
        {
          threshold: Rate,
          /** BPCER the threshold was chosen for, on held-out bona fide presentations. */
          targetBpcer: Rate,
          rule: Type.String({ minLength: 1 }),
          /** Id of the weights (models/pad/pad-weights.json) the threshold was measured with. */
          model: Type.String({ pattern: '^[0-9a-f]{16}$' }),
          figures: Type.Record(Type.String(), Type.Unknown()),
        },
        { additionalProperties: false },
      ),
    ),
    createdAt: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
)

export type Calibration = Static<typeof CalibrationSchema>

export type CalibrationErrorCode = 'CALIBRATION_UNREADABLE' | 'CALIBRATION_INVALID' | 'CALIBRATION_MODEL_MISMATCH'

export class CalibrationError extends CodedError<CalibrationErrorCode> {}

/** Reads and validates a calibration file (default: models/calibration.json). Throws CalibrationError. */
export function loadCalibration(path: string = DEFAULT_CALIBRATION_PATH): Calibration {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new CalibrationError('CALIBRATION_UNREADABLE', `calibration ${path}: ${(error as Error).message}`)
  }
  return parseCalibration(value, path)
}

/** Validates an already parsed calibration object. Throws CalibrationError (CALIBRATION_INVALID). */
export function parseCalibration(value: unknown, source = 'calibration'): Calibration {
  if (!Value.Check(CalibrationSchema, value)) {
    const problems = [...Value.Errors(CalibrationSchema, value)]
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message}`)
    throw new CalibrationError('CALIBRATION_INVALID', `${source} is malformed: ${problems.join('; ')}`)
  }
  const c = value
  const problems: string[] = []
  if (Number.isNaN(Date.parse(c.createdAt))) problems.push('/createdAt is not a date')
  if (c.figures.fnmrCi95.low > c.figures.fnmrAtTargetFmr || c.figures.fnmrAtTargetFmr > c.figures.fnmrCi95.high) {
    problems.push('/figures/fnmrCi95 does not contain fnmrAtTargetFmr')
  }
  if (c.figures.fmrAtThreshold > c.targetFmr) problems.push('/figures/fmrAtThreshold is above targetFmr')
  if (c.multiPhoto) {
    const m = c.multiPhoto
    if (m.fnmrCi95.low > m.fnmrAtTargetFmr || m.fnmrAtTargetFmr > m.fnmrCi95.high)
      problems.push('/multiPhoto/fnmrCi95 does not contain fnmrAtTargetFmr')
    if (m.fmrAtThreshold > c.targetFmr) problems.push('/multiPhoto/fmrAtThreshold is above targetFmr')
  }
  if (c.duplicateSearch && c.duplicateSearch.fpir > c.duplicateSearch.fpirTarget)
    problems.push('/duplicateSearch/fpir is above fpirTarget')
  if (problems.length > 0)
    throw new CalibrationError('CALIBRATION_INVALID', `${source} is malformed: ${problems.join('; ')}`)
  return c
}

/** A threshold is only valid for the model it was measured on. Throws CALIBRATION_MODEL_MISMATCH. */
export function assertCalibrationFor(calibration: Pick<Calibration, 'model'>, model: FaceModelId): void {
  if (!sameFaceModel(calibration.model, model)) {
    throw new CalibrationError(
      'CALIBRATION_MODEL_MISMATCH',
      `calibration is for ${calibration.model.name} ${calibration.model.version}, ` +
        `engine is ${model.name} ${model.version}: re-run scripts/calibrate.ts`,
    )
  }
}
