// Cross-validation figures per fold, pooled, and their spread, from out-of-fold scores.
import { auc, errorRates, type ErrorRates } from './pad-metrics.ts'
import type { Row } from './pad-rows.ts'

export interface FoldFigures {
  fold: number
  /** Held-out NUAA subjects. */
  subjects: string[]
  nuaa: ErrorRates
  /** Held-out ../shared/faces identities' photos, bona fide only. */
  facesBpcer: number
  facesBonaFide: number
  facesRefused: number
  /** Held-out synthetic screen replays (of the held-out faces identities) accepted. */
  screenApcer: number
  screens: number
  screensAccepted: number
  auc: number
}

export interface CvFigures {
  folds: FoldFigures[]
  pooled: ErrorRates & {
    auc: number
    facesBpcer: number
    facesBonaFide: number
    facesRefused: number
    screenApcer: number
    screens: number
    screensAccepted: number
  }
  spread: { apcer: Spread; bpcer: Spread; facesBpcer: Spread }
}

export interface Spread {
  min: number
  max: number
  mean: number
  sd: number
}

const isNuaaBona = (r: Row): boolean => r.sample.source === 'nuaa' && r.sample.bonaFide
const isAttack = (r: Row): boolean => r.sample.source === 'nuaa' && !r.sample.bonaFide
const isScreen = (r: Row): boolean => r.sample.source === 'screen'
const isFaces = (r: Row): boolean => r.sample.source === 'faces'

export function cvFigures(
  rows: readonly Row[],
  oof: readonly { fold: number; score: number }[],
  threshold: number,
): CvFigures {
  const scores = (pred: (r: Row) => boolean, fold?: number): number[] =>
    rows.flatMap((r, i) => (pred(r) && (fold === undefined || oof[i]!.fold === fold) ? [oof[i]!.score] : []))
  const foldIds = [...new Set(oof.map((o) => o.fold))].sort((a, b) => a - b)
  const folds = foldIds.map((fold): FoldFigures => {
    const faces = errorRates([], scores(isFaces, fold), threshold)
    const screen = errorRates(scores(isScreen, fold), [], threshold)
    return {
      screenApcer: screen.apcer,
      screens: screen.attacks,
      screensAccepted: screen.attacksAccepted,
      fold,
      subjects: [
        ...new Set(
          rows.filter((r, i) => r.sample.source === 'nuaa' && oof[i]!.fold === fold).map((r) => r.sample.group),
        ),
      ].sort(),
      nuaa: errorRates(scores(isAttack, fold), scores(isNuaaBona, fold), threshold),
      facesBpcer: faces.bpcer,
      facesBonaFide: faces.bonaFide,
      facesRefused: faces.bonaFideRefused,
      auc: auc(scores(isAttack, fold), scores(isNuaaBona, fold)),
    }
  })
  const faces = errorRates([], scores(isFaces), threshold)
  const screen = errorRates(scores(isScreen), [], threshold)
  return {
    folds,
    pooled: {
      ...errorRates(scores(isAttack), scores(isNuaaBona), threshold),
      auc: auc(scores(isAttack), scores(isNuaaBona)),
      facesBpcer: faces.bpcer,
      facesBonaFide: faces.bonaFide,
      facesRefused: faces.bonaFideRefused,
      screenApcer: screen.apcer,
      screens: screen.attacks,
      screensAccepted: screen.attacksAccepted,
    },
    spread: {
      apcer: spread(folds.map((f) => f.nuaa.apcer)),
      bpcer: spread(folds.map((f) => f.nuaa.bpcer)),
      facesBpcer: spread(folds.map((f) => f.facesBpcer)),
    },
  }
}

export function spread(values: readonly number[]): Spread {
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1))
  return { min: Math.min(...values), max: Math.max(...values), mean, sd }
}

export function formatFolds(title: string, cv: CvFigures): string {
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`
  const lines = [title]
  const of = (rate: number, part: number, whole: number): string => `${pct(rate)} (${part}/${whole})`
  for (const f of cv.folds) {
    lines.push(
      `  fold ${f.fold} [${f.subjects.join(' ')}]: ` +
        `APCER ${of(f.nuaa.apcer, f.nuaa.attacksAccepted, f.nuaa.attacks)}, ` +
        `BPCER ${of(f.nuaa.bpcer, f.nuaa.bonaFideRefused, f.nuaa.bonaFide)}, ` +
        `faces BPCER ${of(f.facesBpcer, f.facesRefused, f.facesBonaFide)}, ` +
        `screen APCER ${of(f.screenApcer, f.screensAccepted, f.screens)}, AUC ${f.auc.toFixed(4)}`,
    )
  }
  const p = cv.pooled
  const { apcer, bpcer } = cv.spread
  lines.push(
    `  pooled: APCER ${of(p.apcer, p.attacksAccepted, p.attacks)}, ` +
      `BPCER ${of(p.bpcer, p.bonaFideRefused, p.bonaFide)}, ` +
      `faces BPCER ${of(p.facesBpcer, p.facesRefused, p.facesBonaFide)}, ` +
      `screen APCER ${of(p.screenApcer, p.screensAccepted, p.screens)}, AUC ${p.auc.toFixed(4)}`,
    `  spread over folds: APCER ${pct(apcer.min)}..${pct(apcer.max)} (sd ${pct(apcer.sd)}), ` +
      `BPCER ${pct(bpcer.min)}..${pct(bpcer.max)} (sd ${pct(bpcer.sd)})`,
  )
  return lines.join('\n') + '\n'
}
