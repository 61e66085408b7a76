import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { loadCalibration } from '../../models/calibration.ts'
import { featureLength } from '../../models/pad/pad-features.ts'
import {
  DEFAULT_PAD_WEIGHTS_PATH,
  loadPadModel,
  padModelFrom,
  padModelId,
  PadModelError,
  type PadWeights,
} from '../../models/pad/pad-model.ts'
import { thresholdsFrom } from '../../models/thresholds.ts'
import { readFileSync } from 'node:fs'

const committed = (): PadWeights => JSON.parse(readFileSync(DEFAULT_PAD_WEIGHTS_PATH, 'utf8')) as PadWeights

t.test(
  'the committed weights load, their id is the hash of their numbers, and the calibration names them',
  async (t) => {
    const model = loadPadModel()
    const w = committed()
    t.match(model.id, /^[0-9a-f]{16}$/)
    t.equal(model.id, padModelId(w))
    t.equal(w.weights.length, featureLength(w.features))
    const calibration = loadCalibration()
    t.ok(calibration.pad, 'the calibration has a pad section')
    t.equal(calibration.pad?.model, model.id, 'the threshold was chosen for these weights')
    t.equal(thresholdsFrom(calibration).padMin, calibration.pad?.threshold, 'the gate reads it')
    t.ok(JSON.stringify(w).length < 100_000, 'small enough to commit')
  },
)

t.test('changed numbers no longer match the id', async (t) => {
  const w = committed()
  w.weights[0] = w.weights[0]! + 0.01
  t.throws(() => padModelFrom(w), { code: 'PAD_WEIGHTS_INVALID' })
  w.id = padModelId(w)
  t.doesNotThrow(() => padModelFrom(w), 'with the id recomputed they load again')
})

t.test('malformed weights are refused with a code', async (t) => {
  const short = committed()
  short.mean = short.mean.slice(1)
  t.throws(() => padModelFrom(short), { code: 'PAD_WEIGHTS_INVALID' })
  const zeroScale = committed()
  zeroScale.scale[0] = 0
  zeroScale.id = padModelId(zeroScale)
  t.throws(() => padModelFrom(zeroScale), { code: 'PAD_WEIGHTS_INVALID' })
  t.throws(() => padModelFrom({ id: 'x' }), { code: 'PAD_WEIGHTS_INVALID' })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pad-'))
  const bad = path.join(dir, 'w.json')
  writeFileSync(bad, '{')
  t.throws(() => loadPadModel(bad), PadModelError)
  t.throws(() => loadPadModel(bad), { code: 'PAD_WEIGHTS_UNREADABLE' })
  t.throws(() => loadPadModel(path.join(dir, 'missing.json')), { code: 'PAD_WEIGHTS_UNREADABLE' })
})

t.test(
  'the spectrum and colour-moment fields: sizes must be powers of two, and weights without them keep',
  async (t) => {
    const w = committed()
    t.ok(w.features.spectrumSizes?.length, 'the committed weights use spectrum features')
    const odd = committed()
    odd.features.spectrumSizes = [48]
    odd.id = padModelId(odd)
    t.throws(() => padModelFrom(odd), { code: 'PAD_WEIGHTS_INVALID' }, 'a 48 px spectrum is refused')
    const even = committed()
    even.features.spectrumSizes = [32]
    even.id = padModelId(even)
    t.doesNotThrow(() => padModelFrom(even), 'positive twin: 32 px loads')
    // LBP-only weights (the first model's layout) hash as they did before the extra fields existed.
    const n = featureLength({ cropSize: 64, margin: 0, radii: [1] })
    const plain = { ...w, features: { cropSize: 64, margin: 0, radii: [1] } }
    for (const k of ['mean', 'scale', 'weights'] as const) plain[k] = w[k].slice(0, n)
    const before = JSON.stringify([64, 0, [1], plain.mean, plain.scale, plain.weights, plain.bias])
    t.equal(padModelId(plain), createHash('sha256').update(before).digest('hex').slice(0, 16))
    t.not(
      padModelId({ ...plain, features: { ...plain.features, colourMoments: false } }),
      padModelId(plain),
      'an explicit field joins the hash',
    )
    plain.id = padModelId(plain)
    t.doesNotThrow(() => padModelFrom(plain), 'and load')
  },
)
