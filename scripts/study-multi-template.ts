// Multi-photo enrolment and 1:N duplicate-search study over an embedding cache (kiosk-sim eval --embeddings):
// pure math, no engine. Prints markdown tables and writes the figures as JSON.
//   node --import tsx scripts/study-multi-template.ts --embeddings out/embeddings-full.json
//        [--max-k 3] [--json out/study-multi.json] [--update-calibration models/calibration.json]
// --update-calibration adds `enrolmentPhotos`, `singlePhotoThreshold`, `multiPhoto` and `duplicateSearch` to the
// calibration file, and sets `threshold` (the gate's) to the stricter of the single-photo and the maxK-photo
// thresholds; `figures` and `quality` stay the single-photo figures of scripts/calibrate.ts.

import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { rescoreFromCache } from '../kiosk-sim/eval/run-eval.ts'
import { parseCalibration } from '../models/calibration.ts'
import { decodeEmbeddingCache } from '../models/eval/embedding-cache.ts'
import { fmrForFpir, nonMatedBestScores, nonMatedSearches, predictedFpir } from '../models/eval/duplicate-search.ts'
import { scoreMetrics, wilsonInterval, type ScoreMetrics } from '../models/eval/metrics.ts'
import {
  scoreMultiTemplate,
  samePersonRejectShare,
  splitForEnrolment,
  type Fusion,
  type MultiSample,
} from '../models/eval/multi-template.ts'
import { buildPairs, DEFAULT_SEED } from '../models/eval/pairs.ts'
import { averageEmbeddings, cosineSimilarity, firstPairBelow } from '../models/match.ts'
import { pct } from '../lib/format.ts'

const TARGETS = ['0.01', '0.001', '0.0001'] as const
const THRESHOLD_DECIMALS = 4
const DUPLICATE_FPIR = 0.01
const GALLERY_SIZES = [50, 100, 200, 400, Number.MAX_SAFE_INTEGER]
const EXTRAPOLATE_TO = [1_000, 10_000, 100_000, 1_000_000]
/** An FMR estimate needs at least this many false matches at its threshold to be called measured. */
const MIN_EVENTS = 10

const { values } = parseArgs({
  options: {
    embeddings: { type: 'string', default: 'out/embeddings-full.json' },
    'max-k': { type: 'string', default: '3' },
    /** Seed of the enrolment / probe split (and of the gallery draws); the calibration uses the default. */
    seed: { type: 'string' },
    json: { type: 'string', default: 'out/study-multi.json' },
    'update-calibration': { type: 'string' },
  },
})
const maxK = Number(values['max-k'])
const SEED = values.seed === undefined ? DEFAULT_SEED : Number(values.seed)
if (!Number.isInteger(maxK) || maxK < 1 || !Number.isInteger(SEED) || SEED < 0)
  throw new Error('--max-k must be a positive integer and --seed a non-negative integer')
if (values.seed !== undefined && values['update-calibration'])
  throw new Error('--update-calibration uses the default seed only')
const cache = decodeEmbeddingCache(await readFile(values.embeddings, 'utf8'))
const samples: MultiSample[] = cache.images.map((i) => ({ identity: i.identity, embedding: i.embedding }))
const calibrationText = values['update-calibration'] ? await readFile(values['update-calibration'], 'utf8') : null
const calibration = calibrationText ? parseCalibration(JSON.parse(calibrationText)) : null
const ftaCount = cache.images.filter((i) => i.fta !== null).length
const msSorted = cache.images
  .filter((i) => i.fta !== 'image-error')
  .map((i) => i.ms)
  .sort((a, b) => a - b)
const msMedian = msSorted[Math.floor((msSorted.length - 1) / 2)] ?? NaN

// 1. The single-photo eval, re-scored from the cache (must equal the engine run's report).
const single = rescoreFromCache(cache)
const rows: Row[] = [
  row('single photo, all pairs (the eval)', single.metrics, single.report.pairs.genuine, single.report.pairs.impostor),
]

// 2. k photos on one fixed split.
const protocol = splitForEnrolment(samples, maxK, SEED)
const genuineIds = protocol.splits.filter((s) => s.probes.length > 0).length
const multi: Record<string, ReturnType<typeof summarise>> = {}
const multiMetrics: Record<string, ScoreMetrics> = {}
const multiGenuine: Record<string, Float64Array> = {}
for (const k of Array.from({ length: maxK }, (_, i) => i + 1)) {
  for (const fusion of (k === 1 ? ['mean'] : ['mean', 'max']) as Fusion[]) {
    const scores = scoreMultiTemplate(samples, protocol, k, fusion)
    const metrics = scoreMetrics(scores.genuine, scores.impostor)
    const label =
      k === 1 ? `k=1 (single photo), same probes` : `k=${k}, ${fusion === 'mean' ? 'mean template' : 'max of k scores'}`
    rows.push(row(label, metrics, scores.genuine.length, scores.impostor.length))
    multi[`${k}-${fusion}`] = summarise(metrics, scores.genuine.length, scores.impostor.length)
    multiMetrics[`${k}-${fusion}`] = metrics
    multiGenuine[`${k}-${fusion}`] = scores.genuine
  }
}
// Paired: the genuine scores of every mode are in the same probe order. Probes refused by one and accepted by
// the other, each at its own threshold for FMR 0.1% (McNemar's discordant pairs).
const paired = (a: string, b: string) => {
  const ta = multiMetrics[a]!.fnmrAtFmr(0.001).threshold
  const tb = multiMetrics[b]!.fnmrAtFmr(0.001).threshold
  let onlyA = 0
  let onlyB = 0
  multiGenuine[a]!.forEach((x, i) => {
    const refusedA = x < ta
    const refusedB = multiGenuine[b]![i]! < tb
    if (refusedA && !refusedB) onlyA++
    if (refusedB && !refusedA) onlyB++
  })
  return { a, b, refusedOnlyByA: onlyA, refusedOnlyByB: onlyB, pExact: mcnemarExactP(onlyA, onlyB) }
}
// One gate threshold for every template: each mode's error rates at the single-photo and at the maxK-photo
// threshold for FMR 0.1% (rounded up as in calibration.json).
const gateThresholds = [
  roundUp(single.metrics.fnmrAtFmr(0.001).threshold),
  roundUp(multiMetrics[`${maxK}-mean`]!.fnmrAtFmr(0.001).threshold),
]
const atGate = Object.entries(multiMetrics).map(([mode, m]) => ({
  mode,
  at: gateThresholds.map((t) => ({ threshold: t, fmr: m.fmrAt(t), fnmr: m.fnmrAt(t) })),
}))
const pairedTests = [paired('1-mean', `${maxK}-mean`), paired(`${maxK}-max`, `${maxK}-mean`)]
// What the server enrols: only galleries whose photos pass the same-person check at the single-photo threshold.
const checkedProtocol = {
  ...protocol,
  splits: protocol.splits.filter(
    (s) =>
      !firstPairBelow(
        s.gallery.map((p) => samples[p]!.embedding),
        roundUp(single.metrics.fnmrAtFmr(0.001).threshold),
      ),
  ),
}
{
  const scores = scoreMultiTemplate(samples, checkedProtocol, maxK, 'mean')
  const metrics = scoreMetrics(scores.genuine, scores.impostor)
  rows.push(
    row(
      `k=${maxK}, mean template, only galleries passing the same-person check`,
      metrics,
      scores.genuine.length,
      scores.impostor.length,
    ),
  )
  multi[`${maxK}-mean-checked`] = summarise(metrics, scores.genuine.length, scores.impostor.length)
}
const samePerson = Array.from({ length: maxK - 1 }, (_, i) => i + 2).map((k) => {
  const at = (t: number) => samePersonRejectShare(samples, protocol, k, t)
  return {
    k,
    atMatchThreshold: at(single.metrics.fnmrAtFmr(0.001).threshold),
    atFmr1e2: at(single.metrics.fnmrAtFmr(0.01).threshold),
  }
})

// 3. 1:N duplicate search, one template per identity.
const search = splitForEnrolment(samples, 1, SEED)
const mated = scoreMultiTemplate(samples, search, 1, 'mean').genuine
const allImpostors = exhaustiveImpostorScores(samples)
const oneToOne = scoreMetrics(mated, allImpostors)
const galleries = GALLERY_SIZES.map((size) => {
  const best = nonMatedBestScores(samples, search, size, SEED)
  const identities = Math.min(size, search.splits.length - 1)
  const m = scoreMetrics(mated, best)
  const atFpir = m.fnmrAtFmr(DUPLICATE_FPIR)
  const threshold = roundUp(atFpir.threshold)
  const oneToOneThreshold = roundUp(single.metrics.fnmrAtFmr(0.001).threshold)
  return {
    galleryIdentities: identities,
    searches: best.length,
    threshold,
    fpir: m.fmrAt(threshold),
    fnir: m.fnmrAt(threshold),
    fpirAt1to1Threshold: m.fmrAt(oneToOneThreshold),
    fnirAt1to1Threshold: m.fnmrAt(oneToOneThreshold),
    predictedFpirAtThreshold: predictedFpir(oneToOne.fmrAt(threshold), identities),
  }
})
const extrapolated = EXTRAPOLATE_TO.map((n) => {
  const fmr = fmrForFpir(DUPLICATE_FPIR, n)
  const events = Math.floor(fmr * allImpostors.length)
  const threshold = events >= MIN_EVENTS ? roundUp(oneToOne.fnmrAtFmr(fmr).threshold) : null
  return {
    galleryIdentities: n,
    fmrNeeded: fmr,
    impostorEventsAvailable: events,
    threshold,
    fnir: threshold === null ? null : oneToOne.fnmrAt(threshold),
  }
})

// The same search when every enrolment is a mean template of maxK photos: each identity's template searched
// against the other identities' templates. Few searches (one per identity), so FPIR 1% rests on a few events.
const meanTemplates = protocol.splits.map((s) => ({
  identity: s.identity,
  embedding: averageEmbeddings(s.gallery.map((p) => samples[p]!.embedding)),
}))
const meanBest = nonMatedSearches(meanTemplates, meanTemplates, Number.MAX_SAFE_INTEGER, SEED)
// Mated: identities with 2 * maxK photos enrol twice, with disjoint photos (the shuffled order after the gallery).
const meanMated = protocol.splits
  .filter((s) => s.probes.length >= maxK)
  .map((s) =>
    cosineSimilarity(
      averageEmbeddings(s.gallery.map((p) => samples[p]!.embedding)),
      averageEmbeddings(s.probes.slice(0, maxK).map((p) => samples[p]!.embedding)),
    ),
  )
const meanSearchMetrics = scoreMetrics(meanMated, meanBest)
const meanSearchThreshold = roundUp(meanSearchMetrics.fnmrAtFmr(DUPLICATE_FPIR).threshold)
const meanSearch = {
  galleryIdentities: meanTemplates.length - 1,
  searches: meanBest.length,
  matedSearches: meanMated.length,
  fpirAtSingleThreshold: (threshold: number) => meanSearchMetrics.fmrAt(threshold),
  threshold: meanSearchThreshold,
  fpir: meanSearchMetrics.fmrAt(meanSearchThreshold),
  fnir: meanSearchMetrics.fnmrAt(meanSearchThreshold),
}

printTable()
const measuredGallery = galleries.at(-1)!
const study = {
  embeddings: values.embeddings,
  model: cache.model,
  images: cache.images.length,
  fta: ftaCount,
  msPerImageMedian: msMedian,
  single: summarise(single.metrics, single.report.pairs.genuine, single.report.pairs.impostor),
  protocol: { maxK, seed: SEED, galleries: protocol.splits.length, genuineIdentities: genuineIds },
  multi,
  pairedTests,
  atGate,
  samePerson,
  duplicateSearch: {
    fpirTarget: DUPLICATE_FPIR,
    impostorPairs1to1: allImpostors.length,
    galleries,
    extrapolated,
    meanTemplates: {
      searches: meanSearch.searches,
      galleryIdentities: meanSearch.galleryIdentities,
      fpirAtSingleTemplateThreshold: meanSearch.fpirAtSingleThreshold(galleries.at(-1)!.threshold),
      matedSearches: meanSearch.matedSearches,
      threshold: meanSearch.threshold,
      fpir: meanSearch.fpir,
      fnir: meanSearch.fnir,
    },
  },
}
await writeFile(values.json, JSON.stringify(study, null, 2) + '\n')
process.stderr.write(`study written to ${values.json}\n`)

if (values['update-calibration'] && calibration) {
  const best = multi[`${maxK}-mean`]!
  // The gate compares every live face with one threshold, whatever the template: it must keep FMR at the target
  // for the strictest enrolment mode the server accepts (1 to maxK photos).
  const singleThreshold = calibration.singlePhotoThreshold ?? calibration.threshold
  const multiThreshold = roundUp(best.at['0.001'].threshold)
  const bestMetrics = multiMetrics[`${maxK}-mean`]!
  const fnmrRounded = bestMetrics.fnmrAt(multiThreshold)
  const ciRounded = wilsonInterval(Math.round(fnmrRounded * best.genuine), best.genuine)
  const updated = {
    ...calibration,
    threshold: Math.max(singleThreshold, multiThreshold),
    enrolmentPhotos: multiThreshold > singleThreshold ? maxK : 1,
    singlePhotoThreshold: singleThreshold,
    multiPhoto: {
      photos: maxK,
      fusion: 'mean' as const,
      threshold: multiThreshold,
      fnmrAtTargetFmr: fnmrRounded,
      fnmrCi95: ciRounded,
      fmrAtThreshold: bestMetrics.fmrAt(multiThreshold),
      eer: best.eer,
      genuinePairs: best.genuine,
      impostorPairs: best.impostor,
      singlePhotoSameProbes: {
        threshold: roundUp(multi['1-mean']!.at['0.001'].threshold),
        fnmrAtTargetFmr: multi['1-mean']!.at['0.001'].fnmr,
      },
      protocol:
        `identities with >= ${maxK + 1} acquired photos (seeded shuffle, seed ${SEED}): ` +
        `first ${maxK} enrol as the unit-length mean, each other photo probes; ` +
        `impostors: every acquired photo against every other identity's gallery (all ${best.impostor} pairs)`,
    },
    // Enrolments of 1 to maxK photos share one gallery: take the threshold of the mode with the higher one.
    duplicateSearch:
      meanSearch.threshold > measuredGallery.threshold
        ? {
            threshold: meanSearch.threshold,
            fpir: meanSearch.fpir,
            fpirTarget: DUPLICATE_FPIR,
            fnir: meanSearch.fnir,
            galleryIdentities: meanSearch.galleryIdentities,
            searches: meanSearch.searches,
            method:
              `leave one identity out with ${maxK}-photo mean templates on both sides: ` +
              `each of ${meanSearch.searches} identities' template searched against the other ` +
              `${meanSearch.galleryIdentities}; threshold = lowest with FPIR <= ${DUPLICATE_FPIR}, ` +
              `rounded up to ${THRESHOLD_DECIMALS} decimals (few searches: it rests on a handful of events); ` +
              `FNIR over ${meanSearch.matedSearches} identities enrolled twice with disjoint photos. ` +
              `Higher than the single-photo-template threshold ${measuredGallery.threshold} ` +
              `(FPIR ${pct(measuredGallery.fpir)}, FNIR ${pct(measuredGallery.fnir)} ` +
              `over ${measuredGallery.searches} searches against ${measuredGallery.galleryIdentities} identities), ` +
              `so it holds for a gallery of both. ` +
              `Valid for galleries up to about this size: FPIR grows with N (about 1 - (1 - FMR)^N); ` +
              `re-measure for larger ones.`,
          }
        : {
            threshold: measuredGallery.threshold,
            fpir: measuredGallery.fpir,
            fpirTarget: DUPLICATE_FPIR,
            fnir: measuredGallery.fnir,
            galleryIdentities: measuredGallery.galleryIdentities,
            searches: measuredGallery.searches,
            method:
              `leave one identity out: every acquired photo searched against one template (the first photo) ` +
              `of each of the other ${measuredGallery.galleryIdentities} identities; ` +
              `threshold = lowest with FPIR <= ${DUPLICATE_FPIR}, rounded up to ${THRESHOLD_DECIMALS} decimals; ` +
              `FNIR = mated photos scoring below it. ` +
              `Valid for galleries up to about this size: FPIR grows with N (about 1 - (1 - FMR)^N); ` +
              `re-measure for larger ones.`,
          },
  }
  const checked = parseCalibration(updated, 'updated calibration')
  await writeFile(values['update-calibration'], JSON.stringify(checked, null, 2) + '\n')
  process.stderr.write(`calibration updated: ${values['update-calibration']}\n`)
}

interface Row {
  label: string
  genuine: number
  impostor: number
  eer: number
  at: Record<(typeof TARGETS)[number], { fnmr: number; threshold: number; ciLow: number; ciHigh: number; fmr: number }>
}

function summarise(metrics: ScoreMetrics, genuine: number, impostor: number) {
  return row('', metrics, genuine, impostor)
}

function row(label: string, metrics: ScoreMetrics, genuine: number, impostor: number): Row {
  const at = Object.fromEntries(
    TARGETS.map((key) => {
      const r = metrics.fnmrAtFmr(Number(key))
      return [key, { fnmr: r.fnmr, threshold: r.threshold, ciLow: r.ciLow, ciHigh: r.ciHigh, fmr: r.fmr }]
    }),
  ) as Row['at']
  return { label, genuine, impostor, eer: metrics.eer().eer, at }
}

function exhaustiveImpostorScores(list: readonly MultiSample[]): Float64Array {
  const pairs = buildPairs(
    list.map((s, index) => ({ index, identity: s.identity, acquired: s.embedding.length > 0 })),
    { maxImpostors: Number.MAX_SAFE_INTEGER },
  )
  const out = new Float64Array(pairs.impostor.length)
  for (let i = 0; i < out.length; i++)
    out[i] = cosineSimilarity(list[pairs.impostor.a[i]!]!.embedding, list[pairs.impostor.b[i]!]!.embedding)
  return out
}

/** Two-sided exact McNemar p-value: binomial(b + c, 1/2) tail at min(b, c), doubled, capped at 1. */
function mcnemarExactP(b: number, c: number): number {
  const n = b + c
  if (n === 0) return 1
  let tail = 0
  let term = Math.pow(0.5, n) // C(n, 0) / 2^n
  for (let i = 0; i <= Math.min(b, c); i++) {
    tail += term
    term = (term * (n - i)) / (i + 1)
  }
  return Math.min(1, 2 * tail)
}

function roundUp(threshold: number): number {
  const scale = 10 ** THRESHOLD_DECIMALS
  return Math.ceil(threshold * scale) / scale
}

function printTable(): void {
  const out: string[] = []
  out.push(
    `Embeddings ${values.embeddings}: ${cache.images.length} images, FTA ${ftaCount}, ` +
      `${msMedian.toFixed(0)} ms/image median (cached engine run)`,
  )
  out.push(`Split: ${protocol.splits.length} galleries of ${maxK} photos, ${genuineIds} identities with probes\n`)
  out.push(
    '| mode | genuine | impostor | EER | FNMR at FMR 1% (t) | ' +
      'FNMR at FMR 0.1% [95% CI] (t) | FNMR at FMR 0.01% (t) |',
  )
  out.push('|---|---|---|---|---|---|---|')
  for (const r of rows) {
    const a = r.at
    out.push(
      `| ${r.label} | ${r.genuine} | ${r.impostor} | ${pct(r.eer)} | ` +
        `${pct(a['0.01'].fnmr)} (${a['0.01'].threshold.toFixed(4)}) | ` +
        `${pct(a['0.001'].fnmr)} [${pct(a['0.001'].ciLow)}, ${pct(a['0.001'].ciHigh)}] ` +
        `(${a['0.001'].threshold.toFixed(4)}) | ` +
        `${pct(a['0.0001'].fnmr)} (${a['0.0001'].threshold.toFixed(4)}) |`,
    )
  }
  for (const p of pairedTests) {
    out.push(
      `Paired on the same probes at FMR 0.1%: refused only by ${p.a} ${p.refusedOnlyByA}, ` +
        `only by ${p.b} ${p.refusedOnlyByB}; exact McNemar p = ${p.pExact.toExponential(2)}`,
    )
  }
  out.push(`\n| mode | ${gateThresholds.map((t) => `FMR at ${t.toFixed(4)} | FNMR at ${t.toFixed(4)}`).join(' | ')} |`)
  out.push(`|---|${gateThresholds.map(() => '---|---').join('|')}|`)
  for (const g of atGate)
    out.push(`| ${g.mode} | ${g.at.map((a) => `${pct(a.fmr, 3)} | ${pct(a.fnmr)}`).join(' | ')} |`)
  out.push('\nSame-person check at enrolment (every pair of the k photos must reach the threshold): galleries refused')
  for (const s of samePerson) {
    out.push(
      `  k=${s.k}: at the 1:1 threshold (FMR 0.1%) ${s.atMatchThreshold.rejected}/${s.atMatchThreshold.galleries}, ` +
        `at FMR 1% ${s.atFmr1e2.rejected}/${s.atFmr1e2.galleries}`,
    )
  }
  out.push(
    `\n1:N duplicate search (one template per identity), FPIR target ${pct(DUPLICATE_FPIR)}; ` +
      `${allImpostors.length} 1:1 impostor pairs for the model`,
  )
  out.push(
    '| gallery identities | searches | threshold | FPIR | FNIR | ' +
      'FPIR at 1:1 threshold | FNIR at 1:1 threshold | FPIR predicted by 1-(1-FMR)^N |',
  )
  out.push('|---|---|---|---|---|---|---|---|')
  for (const g of galleries) {
    out.push(
      `| ${g.galleryIdentities} | ${g.searches} | ${g.threshold.toFixed(4)} | ${pct(g.fpir)} | ${pct(g.fnir)} | ` +
        `${pct(g.fpirAt1to1Threshold)} | ${pct(g.fnirAt1to1Threshold)} | ${pct(g.predictedFpirAtThreshold)} |`,
    )
  }
  out.push('\n| gallery identities (extrapolated) | 1:1 FMR needed | false matches available | threshold | FNIR |')
  out.push('|---|---|---|---|---|')
  for (const e of extrapolated) {
    out.push(
      `| ${e.galleryIdentities} | ${e.fmrNeeded.toExponential(2)} | ${e.impostorEventsAvailable} | ` +
        `${e.threshold?.toFixed(4) ?? 'not measurable'} | ${pct(e.fnir)} |`,
    )
  }
  const t649 = galleries.at(-1)!.threshold
  out.push(
    `\nMean templates of ${maxK} photos on both sides: ` +
      `${meanSearch.searches} searches against ${meanSearch.galleryIdentities} identities; ` +
      `FPIR at ${t649.toFixed(4)} (the single-template threshold above) ` +
      `${pct(meanSearch.fpirAtSingleThreshold(t649))} ` +
      `(${Math.round(meanSearch.fpirAtSingleThreshold(t649) * meanSearch.searches)} searches); ` +
      `threshold for FPIR <= ${pct(DUPLICATE_FPIR)}: ${meanSearch.threshold.toFixed(4)}, ` +
      `FPIR ${pct(meanSearch.fpir)}, ` +
      `FNIR ${pct(meanSearch.fnir)} over ${meanSearch.matedSearches} mated searches ` +
      `(two disjoint ${maxK}-photo enrolments)`,
  )
  process.stdout.write(out.join('\n') + '\n')
}
