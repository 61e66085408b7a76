// Training and leave-subjects-out cross-validation of the classifier over feature rows. NUAA subjects are split
// into folds in order (0001-0002, 0003-0004, ...); ../shared/faces identities by a hash of their name, so a
// person's photos never sit on both sides of a split.
import { createHash } from 'node:crypto'
import {
  fitLogistic,
  fitStandardiser,
  standardise,
  type LogisticModel,
  type Standardiser,
} from './logistic-regression.ts'
import type { Row } from './pad-rows.ts'

export interface TrainOptions {
  /** Which of the row's feature vectors to use. */
  config: number
  l2: number
  /** Share of the bona fide class's weight given to ../shared/faces photos (0: NUAA bona fide only). */
  facesShare: number
  /** Share of the attack class's weight given to synthetic screen replays (0: NUAA attacks only). */
  screenShare: number
  /** Human's antispoof and liveness scores appended as two extra features. */
  withHumanScores: boolean
}

export interface Trained {
  standardiser: Standardiser
  model: LogisticModel
}

export function rowVector(row: Row, options: Pick<TrainOptions, 'config' | 'withHumanScores'>): Float64Array {
  const base = row.features[options.config]!
  if (!options.withHumanScores) return base
  const out = new Float64Array(base.length + 2)
  out.set(base)
  out[base.length] = row.face.antispoof ?? 0
  out[base.length + 1] = row.face.liveness ?? 0
  return out
}

/**
 * Attacks and bona fide weigh the same in total; within bona fide, faces photos get `facesShare`, within attacks,
 * synthetic screen replays get `screenShare`.
 */
export function train(rows: readonly Row[], options: TrainOptions): Trained {
  const used = rows.filter(
    (r) =>
      r.sample.source === 'nuaa' ||
      (r.sample.source === 'faces' && options.facesShare > 0) ||
      (r.sample.source === 'screen' && options.screenShare > 0),
  )
  const x = used.map((r) => rowVector(r, options))
  const standardiser = fitStandardiser(x)
  const z = x.map((v) => standardise(v, standardiser))
  const y = used.map((r) => (r.sample.bonaFide ? 1 : 0))
  const count = (pred: (r: Row) => boolean): number => used.filter(pred).length
  const attacks = count((r) => r.sample.source === 'nuaa' && !r.sample.bonaFide)
  const screens = count((r) => r.sample.source === 'screen')
  const nuaaBona = count((r) => r.sample.bonaFide && r.sample.source === 'nuaa')
  const facesBona = count((r) => r.sample.source === 'faces')
  const weight = used.map((r) => {
    if (r.sample.source === 'screen') return (0.5 * options.screenShare) / screens
    if (!r.sample.bonaFide) return (0.5 * (options.screenShare > 0 ? 1 - options.screenShare : 1)) / attacks
    if (r.sample.source === 'faces') return (0.5 * options.facesShare) / facesBona
    return (0.5 * (options.facesShare > 0 ? 1 - options.facesShare : 1)) / nuaaBona
  })
  const norm = used.length
  const model = fitLogistic(
    z,
    y,
    weight.map((w) => w * norm),
    { l2: options.l2 },
  )
  return { standardiser, model }
}

export function score(trained: Trained, v: Float64Array): number {
  const z = standardise(v, trained.standardiser)
  let s = trained.model.bias
  for (let j = 0; j < z.length; j++) s += trained.model.weights[j]! * z[j]!
  return 1 / (1 + Math.exp(-s))
}

/** NUAA subject 0001..0008 to fold 0..folds-1 in order; any other identity by hash. */
export function foldOf(row: Row, folds: number): number {
  const nuaa = /^nuaa:(\d+)$/.exec(row.sample.group)
  if (nuaa) return Math.floor(((Number(nuaa[1]) - 1) * folds) / 8)
  return createHash('sha256').update(row.sample.group).digest().readUInt32BE(0) % folds
}

/** Out-of-fold scores: each row scored by the model trained without its fold. */
export function crossValidate(
  rows: readonly Row[],
  folds: number,
  options: TrainOptions,
): { fold: number; score: number }[] {
  const out = rows.map(() => ({ fold: -1, score: NaN }))
  for (let f = 0; f < folds; f++) {
    const trained = train(
      rows.filter((r) => foldOf(r, folds) !== f),
      options,
    )
    rows.forEach((r, i) => {
      if (foldOf(r, folds) === f) out[i] = { fold: f, score: score(trained, rowVector(r, options)) }
    })
  }
  return out
}
