import t from 'tap'
import { checkPresentation, type PresentationPolicy } from '../../models/pad/presentation-check.ts'
import { parseCalibration } from '../../models/calibration.ts'
import { thresholdsFrom } from '../../models/thresholds.ts'
import { readFileSync } from 'node:fs'
import { face } from '../helpers/faces.ts'

const policy: PresentationPolicy = { antispoofMin: 0.4, livenessMin: 0.7 }
const withPad: PresentationPolicy = { ...policy, padMin: 0.5 }

t.test('antispoof: at the minimum passes, below it fails, null fails closed', async (t) => {
  const at = checkPresentation(face({ antispoof: 0.4, liveness: 0.9 }), policy)
  t.same({ passed: at.passed, failedCheck: at.failedCheck }, { passed: true, failedCheck: null })
  const below = checkPresentation(face({ antispoof: 0.39, liveness: 0.9 }), policy)
  t.same({ passed: below.passed, failedCheck: below.failedCheck }, { passed: false, failedCheck: 'antispoof' })
  const none = checkPresentation(face({ antispoof: null, liveness: 0.9 }), policy)
  t.same({ passed: none.passed, failedCheck: none.failedCheck }, { passed: false, failedCheck: 'antispoof' })
})

t.test('liveness: at the minimum passes, below it fails, null fails closed', async (t) => {
  t.equal(checkPresentation(face({ antispoof: 0.9, liveness: 0.7 }), policy).passed, true)
  t.equal(checkPresentation(face({ antispoof: 0.9, liveness: 0.69 }), policy).failedCheck, 'liveness')
  t.equal(checkPresentation(face({ antispoof: 0.9, liveness: null }), policy).failedCheck, 'liveness')
  t.equal(checkPresentation(face({ antispoof: 0.9, liveness: Number.NaN }), policy).failedCheck, 'liveness')
})

t.test('the first failing check is named, in the order antispoof, liveness, pad', async (t) => {
  t.equal(checkPresentation(face({ antispoof: 0.1, liveness: 0.1, pad: 0.1 }), withPad).failedCheck, 'antispoof')
  t.equal(checkPresentation(face({ antispoof: 0.9, liveness: 0.1, pad: 0.1 }), withPad).failedCheck, 'liveness')
})

t.test('pad: without a pad minimum the score is reported but not applied', async (t) => {
  const r = checkPresentation(face({ antispoof: 0.9, liveness: 0.9, pad: 0.01 }), policy)
  t.equal(r.passed, true)
  t.same(r.applied, ['antispoof', 'liveness'])
  t.same(r.scores, { antispoof: 0.9, liveness: 0.9, pad: 0.01 })
  t.equal(checkPresentation(face({ antispoof: 0.9, liveness: 0.9, pad: null }), policy).passed, true, 'null too')
})

t.test('pad: with a pad minimum it is applied; at it passes, below it fails, null fails closed', async (t) => {
  const ok = checkPresentation(face({ antispoof: 0.9, liveness: 0.9, pad: 0.5 }), withPad)
  t.same({ passed: ok.passed, applied: ok.applied }, { passed: true, applied: ['antispoof', 'liveness', 'pad'] })
  t.equal(checkPresentation(face({ antispoof: 0.9, liveness: 0.9, pad: 0.49 }), withPad).failedCheck, 'pad')
  t.equal(checkPresentation(face({ antispoof: 0.9, liveness: 0.9, pad: null }), withPad).failedCheck, 'pad')
})

t.test('a minimum of 0 turns a check off, null included; above 0 it is on', async (t) => {
  const off: PresentationPolicy = { antispoofMin: 0, livenessMin: 0, padMin: 0.5 }
  const r = checkPresentation(face({ antispoof: null, liveness: 0, pad: 0.6 }), off)
  t.same({ passed: r.passed, applied: r.applied }, { passed: true, applied: ['pad'] })
  const on: PresentationPolicy = { antispoofMin: 0.01, livenessMin: 0, padMin: 0.5 }
  t.equal(checkPresentation(face({ antispoof: null, liveness: 0, pad: 0.6 }), on).failedCheck, 'antispoof')
})

t.test('the calibration `pad` section sets padMin; without it there is none', async (t) => {
  const shipped = JSON.parse(readFileSync(new URL('../../models/calibration.json', import.meta.url), 'utf8'))
  t.ok(shipped.pad, 'the shipped calibration has a classifier')
  t.equal(thresholdsFrom(parseCalibration(shipped)).padMin, shipped.pad.threshold)
  const { pad, ...without } = shipped
  t.equal(thresholdsFrom(parseCalibration(without)).padMin, undefined)
  t.equal(thresholdsFrom(parseCalibration({ ...shipped, pad: { ...pad, threshold: 0.63 } })).padMin, 0.63)
  t.throws(() => parseCalibration({ ...shipped, pad: { ...pad, threshold: 1.5 } }), { code: 'CALIBRATION_INVALID' })
  t.throws(() => parseCalibration({ ...shipped, pad: {} }), { code: 'CALIBRATION_INVALID' })
})
