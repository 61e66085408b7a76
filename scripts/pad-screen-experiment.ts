// Experiment: which extra features let the presentation-attack classifier stop screen replays without losing
// printed photos. Computes feature blocks once per face (cached in out/pad-screen-features.json), then measures
// variants by the training script's 4-fold leave-subjects-out cross-validation (screen renders split by identity).
//   node --import tsx scripts/pad-screen-experiment.ts
import { existsSync, readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { DEFAULT_MAX_SIDE } from '../models/face-engine.ts'
import { decodeImage } from '../models/image-decode.ts'
import { colourMoments } from '../models/pad/colour-moments.ts'
import { colourPlanes } from '../models/pad/colour-spaces.ts'
import { cropFace } from '../models/pad/face-crop.ts'
import { lbpHistogram } from '../models/pad/lbp.ts'
import { padFeatures } from '../models/pad/pad-features.ts'
import { spectrumFeatures } from '../models/pad/spectrum.ts'
import { loadDataset, screenReplaySamples } from './pad/pad-dataset.ts'
import type { DetectionCache } from './pad/pad-detections.ts'
import { cvFigures } from './pad/pad-figures.ts'
import { thresholdForBpcer } from './pad/pad-metrics.ts'
import type { Row } from './pad/pad-rows.ts'
import { crossValidate, score, train, type TrainOptions } from './pad/pad-training.ts'
import { chooseCombined, combinedGrid } from './pad/presentation-grid.ts'

// v3: colour moments without the planes' means (a block of their own, colourMeans) and without the luma spread.
const CACHE = process.env.PAD_SCREEN_CACHE ?? 'out/pad-screen-features-v3.json'
type Blocks = Record<string, number[]>

export function blocksOf(image: Parameters<typeof cropFace>[0], box: [number, number, number, number]): Blocks {
  const lbp = padFeatures(image, box, { cropSize: 64, margin: 0, radii: [1] })
  const lbp2 = padFeatures(image, box, { cropSize: 64, margin: 0, radii: [2] })
  const c64 = cropFace(image, box, 64, 0)
  const p64 = colourPlanes(c64.r, c64.g, c64.b)
  const c128 = cropFace(image, box, 128, 0)
  const p128 = colourPlanes(c128.r, c128.g, c128.b)
  const ctx = cropFace(image, box, 64, 0.5)
  const pctx = colourPlanes(ctx.r, ctx.g, ctx.b)
  return {
    lbp: [...lbp],
    lbp2: [...lbp2],
    spec64: [...spectrumFeatures(p64[0]!, 64)],
    spec128: [...spectrumFeatures(p128[0]!, 128)],
    colour: [...colourMoments(p64[0]!, p64[1]!, p64[2]!, p64[4]!, p64[5]!)],
    colourMeans: [0, 1, 2, 4].map((c) => p64[c]!.reduce((a, b) => a + b, 0) / p64[c]!.length / 255),
    ctxSpec: [...spectrumFeatures(pctx[0]!, 64)],
    ctxLbp: [...lbpHistogram(pctx[0]!, 64, 1)].map(Math.sqrt),
    ctxColour: [...colourMoments(pctx[0]!, pctx[1]!, pctx[2]!, pctx[4]!, pctx[5]!)],
  }
}

const dataset = loadDataset(path.resolve('../shared/pad'), path.resolve('../shared/faces'))
const screens = screenReplaySamples(dataset.samples, path.resolve('out/pad-screen-train'), 4)
const samples = [...dataset.samples, ...screens]
const detections = (JSON.parse(readFileSync('out/pad-detections.json', 'utf8')) as { detections: DetectionCache })
  .detections
const cache: Record<string, Blocks> = existsSync(CACHE) ? (JSON.parse(readFileSync(CACHE, 'utf8')) as never) : {}
const base: { row: Omit<Row, 'features'>; blocks: Blocks }[] = []
let fresh = 0
let ms = 0
for (const sample of samples) {
  const det = detections[sample.file]
  const face = det?.faces[0]
  if (!face) continue
  if (!cache[sample.file]) {
    const raw = await decodeImage(await readFile(sample.file), { channels: 3, maxSide: DEFAULT_MAX_SIDE })
    const scale = raw.width / det.width
    const box = face.box.map((v) => v * scale) as [number, number, number, number]
    const t = performance.now()
    cache[sample.file] = blocksOf(raw, box)
    ms += performance.now() - t
    if (++fresh % 500 === 0) process.stderr.write(`features ${fresh}\n`)
  }
  base.push({ row: { sample, face }, blocks: cache[sample.file]! })
}
if (fresh) {
  await writeFile(CACHE, JSON.stringify(cache))
  process.stdout.write(`computed ${fresh} faces, ${(ms / fresh).toFixed(2)} ms per face for all blocks\n`)
}

/** Blocks by name; `name[i,j]` takes only those entries of a block. */
function vectorOf(blocks: Blocks, names: readonly string[]): Float64Array {
  return Float64Array.from(
    names.flatMap((spec) => {
      const m = /^(\w+)\[([\d,]+)\]$/.exec(spec)
      if (!m) return blocks[spec]!
      return m[2]!.split(',').map((i) => blocks[m[1]!]![Number(i)]!)
    }),
  )
}

const probeBlocks: Blocks[] = []
for (const n of ['r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07']) {
  const file = path.resolve(`fixtures/probe/${n}.jpg`)
  const raw = await decodeImage(await readFile(file), { channels: 3, maxSide: DEFAULT_MAX_SIDE })
  const det = detections[file]!
  const scale = raw.width / det.width
  probeBlocks.push(blocksOf(raw, det.faces[0]!.box.map((v) => v * scale) as [number, number, number, number]))
}

const variants: { name: string; blocks: string[]; screenShare: number; l2: number }[] = JSON.parse(
  process.argv[2] ?? '[]',
)
for (const v of variants) {
  const rows: Row[] = base.map((b) => ({
    ...b.row,
    features: [vectorOf(b.blocks, v.blocks)],
  }))
  const options: TrainOptions = {
    config: 0,
    l2: v.l2,
    facesShare: 0.5,
    screenShare: v.screenShare,
    withHumanScores: false,
  }
  const oof = crossValidate(rows, 4, options)
  const scores = oof.map((o) => o.score)
  const bona = (src: string): number[] =>
    rows.flatMap((r, i) => (r.sample.bonaFide && r.sample.source === src ? [scores[i]!] : []))
  const threshold = Math.min(thresholdForBpcer(bona('nuaa'), 0.05), thresholdForBpcer(bona('faces'), 0.05))
  const cv = cvFigures(rows, oof, threshold)
  const final = train(rows, options)
  const probes = probeBlocks.map((b) => +score(final, vectorOf(b, v.blocks)).toFixed(3))
  const grid = combinedGrid(rows, scores, threshold)
  const chosen = chooseCombined(grid, 0.1)
  const p = cv.pooled
  const folds = cv.folds.map(
    (f) =>
      `${f.nuaa.attacksAccepted}/${f.nuaa.attacks},${f.nuaa.bonaFideRefused}/${f.nuaa.bonaFide},` +
      `${f.facesRefused}/${f.facesBonaFide},${f.screensAccepted}/${f.screens}`,
  )
  process.stdout.write(
    JSON.stringify({
      ...v,
      threshold: +threshold.toFixed(3),
      pad:
        `APCER ${p.attacksAccepted}/${p.attacks} BPCER ${p.bonaFideRefused}/${p.bonaFide} faces ` +
        `${p.facesRefused}/${p.facesBonaFide} screens ${p.screensAccepted}/${p.screens} AUC ${p.auc.toFixed(4)}`,
      folds,
      probes,
      chosen,
    }) + '\n',
  )
}
