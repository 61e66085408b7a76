// The trained presentation-attack classifier: a logistic regression over standardised features, read from a small
// JSON file written by scripts/train-pad.ts. The model id is a hash of everything that changes a score, so the
// calibration's threshold can name the exact weights it was chosen for.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Type, { type Static } from 'typebox'
import Value from 'typebox/value'
import { CodedError } from '../../lib/coded-error.ts'
import type { Box } from '../face-types.ts'
import type { PadPixels } from './face-crop.ts'
import { featureLength, padFeatures, type PadFeatureConfig } from './pad-features.ts'

export const DEFAULT_PAD_WEIGHTS_PATH = fileURLToPath(new URL('./pad-weights.json', import.meta.url))

const Numbers = Type.Array(Type.Number())

export const PadWeightsSchema = Type.Object({
  /** sha256 (first 16 hex digits) of the fields that make the score: see padModelId. */
  id: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  features: Type.Object(
    {
      cropSize: Type.Integer({ minimum: 8, maximum: 512 }),
      margin: Type.Number({ minimum: 0, maximum: 1 }),
      radii: Type.Array(Type.Integer({ minimum: 1, maximum: 8 }), { minItems: 1 }),
      spectrumSizes: Type.Optional(Type.Array(Type.Integer({ minimum: 8, maximum: 256 }))),
      colourMoments: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  mean: Numbers,
  scale: Numbers,
  weights: Numbers,
  bias: Type.Number(),
  /** Where the weights came from: dataset, manifest hashes, counts, hyper-parameters, cross-validation figures. */
  provenance: Type.Record(Type.String(), Type.Unknown()),
})

export type PadWeights = Static<typeof PadWeightsSchema>

export type PadModelErrorCode = 'PAD_WEIGHTS_UNREADABLE' | 'PAD_WEIGHTS_INVALID'
export class PadModelError extends CodedError<PadModelErrorCode> {}

export interface PadModel {
  id: string
  features: PadFeatureConfig
  /** Bona fide probability 0..1 of the face in `box`. */
  score(image: PadPixels, box: Box): number
}

/** The id of a set of weights: it changes whenever any number that affects a score changes. */
export function padModelId(w: Pick<PadWeights, 'features' | 'mean' | 'scale' | 'weights' | 'bias'>): string {
  // The extra feature fields join the hash only when present, so weights written before they existed keep their id.
  const { spectrumSizes, colourMoments } = w.features
  const extras = spectrumSizes || colourMoments !== undefined ? [spectrumSizes ?? [], colourMoments ?? false] : []
  const canonical = JSON.stringify([
    w.features.cropSize,
    w.features.margin,
    w.features.radii,
    ...extras,
    w.mean,
    w.scale,
    w.weights,
    w.bias,
  ])
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16)
}

/** Reads and validates the weights file (default models/pad/pad-weights.json). Throws PadModelError. */
export function loadPadModel(path: string = DEFAULT_PAD_WEIGHTS_PATH): PadModel {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new PadModelError('PAD_WEIGHTS_UNREADABLE', `pad weights ${path}: ${(error as Error).message}`)
  }
  return padModelFrom(value, path)
}

/** Validates parsed weights: shape, lengths, finite numbers, and that the id matches the numbers. */
export function padModelFrom(value: unknown, source = 'pad weights'): PadModel {
  if (!Value.Check(PadWeightsSchema, value)) {
    const first = [...Value.Errors(PadWeightsSchema, value)][0]
    throw new PadModelError('PAD_WEIGHTS_INVALID', `${source}: ${first?.instancePath || '/'} ${first?.message}`)
  }
  const w = value
  const n = featureLength(w.features)
  if (w.mean.length !== n || w.scale.length !== n || w.weights.length !== n)
    throw new PadModelError('PAD_WEIGHTS_INVALID', `${source}: expected ${n} means, scales and weights`)
  if (![...w.mean, ...w.scale, ...w.weights, w.bias].every(Number.isFinite) || w.scale.some((s) => s <= 0))
    throw new PadModelError('PAD_WEIGHTS_INVALID', `${source}: weights must be finite and scales positive`)
  if (w.features.spectrumSizes?.some((n) => (n & (n - 1)) !== 0))
    throw new PadModelError('PAD_WEIGHTS_INVALID', `${source}: spectrum sizes must be powers of two`)
  if (padModelId(w) !== w.id) throw new PadModelError('PAD_WEIGHTS_INVALID', `${source}: id does not match weights`)
  const linear = linearScorer(w)
  return { id: w.id, features: w.features, score: (image, box) => linear(padFeatures(image, box, w.features)) }
}

/** The logistic score of a raw (unstandardised) feature vector. */
export function linearScorer(w: Pick<PadWeights, 'mean' | 'scale' | 'weights' | 'bias'>): (x: Float64Array) => number {
  const mean = Float64Array.from(w.mean)
  const scale = Float64Array.from(w.scale)
  const weights = Float64Array.from(w.weights)
  return (x) => {
    let z = w.bias
    for (let i = 0; i < weights.length; i++) z += (weights[i]! * (x[i]! - mean[i]!)) / scale[i]!
    return 1 / (1 + Math.exp(-z))
  }
}
