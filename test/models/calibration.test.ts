import path from 'node:path'
import t from 'tap'
import { assertCalibrationFor, loadCalibration, parseCalibration, type Calibration } from '../../models/calibration.ts'

const VALID: Calibration = {
  model: { name: 'human-faceres', version: '3.3.6' },
  scoring: 'cosine',
  targetFmr: 0.001,
  threshold: 0.5,
  dataset: { path: '../shared/faces', images: 100, identities: 30, limit: null, seed: 1 },
  figures: {
    eer: 0.05,
    eerThreshold: 0.4,
    fmrAtThreshold: 0.0009,
    fnmrAtTargetFmr: 0.2,
    fnmrCi95: { low: 0.15, high: 0.25 },
    fta: 0.01,
    auc: 0.98,
    genuinePairs: 200,
    impostorPairs: 4000,
  },
  quality: {
    minFaceSizePx: 60,
    minDetectorScore: 0.5,
    antispoofMin: 0.3,
    livenessMin: 0.3,
    rejectShare: { faceSize: 0.01, detectorScore: 0.01, antispoof: 0.05, liveness: 0.05, combined: 0.09 },
    rule: 'test',
  },
  createdAt: '2025-01-01T00:00:00.000Z',
}
const copy = (): Calibration => structuredClone(VALID)
// The malformed cases write what the Calibration type forbids: they see the object as plain JSON.
type Json = Record<string, unknown>
const field = (c: Json, key: string) => c[key] as Json

t.test('the committed calibration loads and belongs to the engine model', async (t) => {
  const calibration = loadCalibration()
  t.equal(calibration.scoring, 'cosine')
  t.equal(calibration.model.name, 'human+faceapi-resnet')
  t.ok(calibration.figures.fmrAtThreshold <= calibration.targetFmr)
  t.ok(calibration.threshold > calibration.figures.eerThreshold, 'a secure threshold is stricter than the EER one')
})

t.test('a well-formed object is accepted', async (t) => {
  t.same(parseCalibration(copy()), VALID)
  t.same(
    parseCalibration({ ...copy(), dataset: { ...VALID.dataset, limit: 900 } }).dataset.limit,
    900,
    'a subset limit',
  )
})

t.test('malformed objects are rejected with CALIBRATION_INVALID', async (t) => {
  const cases: Array<[string, (c: Json) => void]> = [
    ['missing threshold', (c) => delete c.threshold],
    ['threshold above 1', (c) => (c.threshold = 1.5)],
    ['other scoring', (c) => (c.scoring = 'human-similarity')],
    ['empty model name', (c) => (field(c, 'model').name = '')],
    ['rate above 1', (c) => (field(c, 'figures').eer = 2)],
    ['fractional face size', (c) => (field(c, 'quality').minFaceSizePx = 60.5)],
    ['unknown field', (c) => (c.thresold = 0.5)],
    ['bad date', (c) => (c.createdAt = 'yesterday')],
    ['CI not containing FNMR', (c) => (field(c, 'figures').fnmrCi95 = { low: 0.3, high: 0.4 })],
    ['FMR above target', (c) => (field(c, 'figures').fmrAtThreshold = 0.002)],
  ]
  for (const [name, mutate] of cases) {
    const c = copy() as unknown as Json
    mutate(c)
    t.throws(() => parseCalibration(c), { code: 'CALIBRATION_INVALID' }, name)
  }
  t.throws(() => parseCalibration(null), { code: 'CALIBRATION_INVALID' }, 'null')
  t.throws(() => parseCalibration([]), { code: 'CALIBRATION_INVALID' }, 'array')
  t.match(
    (() => {
      try {
        parseCalibration({ ...copy(), threshold: 'high' })
      } catch (e) {
        return (e as Error).message
      }
    })(),
    /\/threshold/,
    'the message names the field',
  )
})

t.test('files: unreadable and invalid JSON are rejected, a valid file is accepted', async (t) => {
  const dir = t.testdir({
    'good.json': JSON.stringify(VALID),
    'broken.json': '{ "model": ',
    'wrong.json': JSON.stringify({ ...VALID, scoring: 'l2' }),
  })
  t.same(loadCalibration(path.join(dir, 'good.json')), VALID)
  t.throws(() => loadCalibration(path.join(dir, 'missing.json')), { code: 'CALIBRATION_UNREADABLE' })
  t.throws(() => loadCalibration(path.join(dir, 'broken.json')), { code: 'CALIBRATION_UNREADABLE' })
  t.throws(() => loadCalibration(path.join(dir, 'wrong.json')), { code: 'CALIBRATION_INVALID' })
})

t.test('a calibration only serves the model it was measured on', async (t) => {
  t.doesNotThrow(() => assertCalibrationFor(VALID, { name: 'human-faceres', version: '3.3.6' }))
  t.throws(() => assertCalibrationFor(VALID, { name: 'human-faceres', version: '3.4.0' }), {
    code: 'CALIBRATION_MODEL_MISMATCH',
  })
  t.throws(() => assertCalibrationFor(VALID, { name: 'face-api', version: '3.3.6' }), {
    code: 'CALIBRATION_MODEL_MISMATCH',
  })
})

const WITH_MULTI = (): Calibration => ({
  ...copy(),
  enrolmentPhotos: 1,
  multiPhoto: {
    photos: 3,
    fusion: 'mean',
    threshold: 0.9,
    fnmrAtTargetFmr: 0.05,
    fnmrCi95: { low: 0.04, high: 0.06 },
    fmrAtThreshold: 0.001,
    eer: 0.01,
    genuinePairs: 800,
    impostorPairs: 900000,
    singlePhotoSameProbes: { threshold: 0.93, fnmrAtTargetFmr: 0.08 },
    protocol: 'test',
  },
  duplicateSearch: {
    threshold: 0.95,
    fpir: 0.009,
    fpirTarget: 0.01,
    fnir: 0.3,
    galleryIdentities: 649,
    searches: 2543,
    method: 'test',
  },
})

t.test('multi-photo and duplicate-search figures: optional, checked when present', async (t) => {
  t.same(parseCalibration(WITH_MULTI()), WITH_MULTI(), 'accepted with both')
  t.equal(parseCalibration(copy()).duplicateSearch, undefined, 'older files without them still load')
  const cases: Array<[string, (c: Json) => void]> = [
    ['zero enrolment photos', (c) => (c.enrolmentPhotos = 0)],
    ['multi-photo of one photo', (c) => (field(c, 'multiPhoto').photos = 1)],
    ['multi-photo CI not containing FNMR', (c) => (field(c, 'multiPhoto').fnmrCi95 = { low: 0.1, high: 0.2 })],
    ['multi-photo FMR above target', (c) => (field(c, 'multiPhoto').fmrAtThreshold = 0.002)],
    ['duplicate FPIR above its target', (c) => (field(c, 'duplicateSearch').fpir = 0.02)],
    ['duplicate gallery of none', (c) => (field(c, 'duplicateSearch').galleryIdentities = 0)],
    ['unknown duplicate field', (c) => (field(c, 'duplicateSearch').fpirr = 0.01)],
  ]
  for (const [name, mutate] of cases) {
    const c = WITH_MULTI() as unknown as Json
    mutate(c)
    t.throws(() => parseCalibration(c), { code: 'CALIBRATION_INVALID' }, name)
  }
})

t.test('thresholdsFrom: the gate, same-person and duplicate thresholds, with fallbacks for older files', async (t) => {
  const { thresholdsFrom } = await import('../../models/thresholds.ts')
  const multi = thresholdsFrom(WITH_MULTI())
  t.equal(multi.matchThreshold, 0.5, 'the gate reads `threshold`')
  t.equal(multi.duplicateThreshold, 0.95, 'duplicate search reads duplicateSearch.threshold')
  t.equal(
    thresholdsFrom({ ...WITH_MULTI(), singlePhotoThreshold: 0.45 }).samePersonThreshold,
    0.45,
    'same-person check reads singlePhotoThreshold',
  )
  const old = thresholdsFrom(copy())
  t.equal(old.duplicateThreshold, 0.5, 'without duplicateSearch: the 1:1 threshold')
  t.equal(old.samePersonThreshold, 0.5, 'without singlePhotoThreshold: the 1:1 threshold')
  const committed = thresholdsFrom(loadCalibration())
  t.ok(
    committed.duplicateThreshold > committed.matchThreshold,
    'the committed duplicate threshold is stricter than the 1:1 one',
  )
  t.ok(
    committed.samePersonThreshold <= committed.matchThreshold,
    'the same-person check is never stricter than the gate',
  )
})
