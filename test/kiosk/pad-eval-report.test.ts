import t from 'tap'
import type { DetectedFace } from '../../models/face-types.ts'
import { wilsonInterval } from '../../models/eval/metrics.ts'
import type { PadImageAnalysis } from '../../kiosk-sim/pad-eval/pad-analyses.ts'
import { buildPadReport, padSummary } from '../../kiosk-sim/pad-eval/pad-report.ts'
import { rateWithCi } from '../../kiosk-sim/pad-eval/pad-rates.ts'
import { face, testThresholds as policy, unitVector } from '../helpers/faces.ts'

const META = {
  dataset: 'synthetic',
  backend: 'onnx',
  model: policy.model,
  calibration: 'test',
  createdAt: 'now',
} as const
const frame = (file: string, subject: string, species: string | null, faces: DetectedFace[]): PadImageAnalysis => ({
  file,
  subject,
  presentation: species === null ? 'bona-fide' : 'attack',
  species,
  imageError: null,
  width: 640,
  height: 480,
  // No classifier score unless a test adds one (the shared face helper gives every face pad 0.9).
  faces: faces.map((f) => ({ ...f, pad: null })),
  ms: 1,
})
const real = (tilt = 0.01, over: Partial<DetectedFace> = {}) => face({ embedding: unitVector(0, tilt), ...over })
const second = face({ box: [400, 100, 160, 180] })

// Subject A enrols from a1..a3 (listed out of order: the pick is by file name); B has two usable frames only.
const SET: PadImageAnalysis[] = [
  frame('a/4.jpg', 'A', null, [real(0.05)]),
  frame('a/2.jpg', 'A', null, [real(0.02)]),
  frame('a/1.jpg', 'A', null, [real(0.01)]),
  frame('a/3.jpg', 'A', null, [real(0.03)]),
  frame('a/5.jpg', 'A', null, [real(0.01, { antispoof: 0.1 })]),
  frame('a/6.jpg', 'A', null, []),
  frame('a/7.jpg', 'A', null, [real(), second]),
  frame('a/p1.jpg', 'A', 'printed-photo', [real(0.04)]),
  frame('a/p2.jpg', 'A', 'printed-photo', [face({ embedding: unitVector(3) })]),
  frame('a/p3.jpg', 'A', 'printed-photo', [real(0.01, { liveness: 0.1 })]),
  frame('a/p4.jpg', 'A', 'printed-photo', []),
  frame('a/s1.jpg', 'A', 'screen', [real(0.02)]),
  frame('b/1.jpg', 'B', null, [face({ embedding: unitVector(5) })]),
  frame('b/2.jpg', 'B', null, [face({ embedding: unitVector(5, 0.1) })]),
  frame('b/p1.jpg', 'B', 'printed-photo', [face({ embedding: unitVector(5) })]),
]

t.test('APCER per species: attacks that pass the face stage; an attack without a face is stopped', async (t) => {
  const r = buildPadReport(SET, policy, META)
  t.match(r.apcer['printed-photo'], { k: 3, n: 5, rate: 0.6 })
  t.same(r.apcer['printed-photo']!.stoppedBy, { SPOOF_SUSPECTED: 1, NO_FACE: 1 })
  t.match(r.apcer.screen, { k: 1, n: 1, rate: 1 })
  t.same(Object.keys(r.apcer), ['printed-photo', 'screen'], 'any species label, in first-seen order')
})

t.test(
  'BPCER counts every referral of a bona fide frame; FTA and MULTIPLE_FACES are also reported apart',
  async (t) => {
    const r = buildPadReport(SET, policy, META)
    t.match(r.bpcer, { k: 3, n: 9 })
    t.same(r.bpcer.reasons, { SPOOF_SUSPECTED: 1, NO_FACE: 1, MULTIPLE_FACES: 1 })
    t.same(r.bpcer.failedChecks, { antispoof: 1 })
    t.same(r.fta, { k: 1, n: 9, rate: 1 / 9 })
    t.same(r.multipleFaces.bonaFide, { k: 1, n: 9, rate: 1 / 9 })
    t.same(r.multipleFaces.attack, { k: 0, n: 6, rate: 0 })
  },
)

t.test('Wilson intervals on every APCER and BPCER; a rate of nothing is null, not NaN', async (t) => {
  const r = buildPadReport(SET, policy, META)
  t.same(r.apcer['printed-photo']!.ci95, wilsonInterval(3, 5))
  t.equal(r.apcer['printed-photo']!.ci95!.low.toFixed(4), '0.2307')
  t.equal(r.apcer['printed-photo']!.ci95!.high.toFixed(4), '0.8824')
  t.same(r.bpcer.ci95, wilsonInterval(3, 9))
  t.same(rateWithCi(0, 0), { k: 0, n: 0, rate: null, ci95: null })
})

t.test('IAPMR: enrolment from the first 3 passing bona fide frames by name, excluded as probes', async (t) => {
  const r = buildPadReport(SET, policy, META)
  t.same(r.iapmr.enrolmentFrames, ['a/1.jpg', 'a/2.jpg', 'a/3.jpg'])
  t.same(r.iapmr.enrolled, ['A'])
  t.same(r.iapmr.notEnrolled, ['B'], 'two usable frames are not enough')
  t.match(r.iapmr.species['printed-photo'], { k: 1, n: 4 }, 'p1 passes and matches; p2 passes, another face')
  t.match(r.iapmr.species.screen, { k: 1, n: 1 })
  t.match(r.iapmr, { k: 2, n: 5 }, "B's attack is left out: B has no template")
  const rows = new Map(r.images.map((i) => [i.file, i]))
  t.equal(rows.get('a/1.jpg')!.enrolment, true)
  t.equal(rows.get('a/1.jpg')!.matchScore, null, 'an enrolment frame is not a probe')
  t.equal(rows.get('a/4.jpg')!.enrolment, false)
  t.ok(rows.get('a/4.jpg')!.matchScore! > 0.99)
  t.match(r.genuineAcceptance, { k: 1, n: 4 }, 'a4 accepted; a5, a6, a7 referred')
})

t.test('an attack that passes but shows another face is an APCER count, not an IAPMR count', async (t) => {
  const r = buildPadReport(SET, policy, META)
  const p2 = r.images.find((i) => i.file === 'a/p2.jpg')!
  t.equal(p2.decision, 'PASS')
  t.ok(p2.matchScore! < policy.matchThreshold)
  const p1 = r.images.find((i) => i.file === 'a/p1.jpg')!
  t.ok(p1.matchScore! >= policy.matchThreshold)
})

t.test('per-check curves cover antispoof and liveness; pad only when scored', async (t) => {
  const r = buildPadReport(SET, policy, META)
  t.same(Object.keys(r.checks), ['antispoof', 'liveness'])
  t.equal(r.checks.antispoof!.bonaFide, 7, 'frames with one counted face')
  t.equal(r.checks.antispoof!.species['printed-photo']!.attacks, 4)
  t.equal(r.checks.antispoof!.threshold, policy.antispoofMin)
  const scored = SET.map((img) => ({ ...img, faces: img.faces.map((f) => ({ ...f, pad: 0.5 })) }))
  t.ok(buildPadReport(scored, policy, META).checks.pad, 'pad scores present: a pad curve')
})

t.test('a pad minimum with no classifier scores fails every face closed: no attack passes', async (t) => {
  const r = buildPadReport(SET, { ...policy, padMin: 0.5 }, META)
  t.match(r.apcer['printed-photo'], { k: 0, n: 5 })
  t.equal(r.thresholds.padMin, 0.5)
  const scored = SET.map((img) => ({ ...img, faces: img.faces.map((f) => ({ ...f, pad: 0.9 })) }))
  t.match(buildPadReport(scored, { ...policy, padMin: 0.5 }, META).apcer['printed-photo'], { k: 3, n: 5 })
})

t.test('per subject: bona fide referred and attacks passed per species; the summary has no images', async (t) => {
  const r = buildPadReport(SET, policy, META)
  t.same(r.perSubject.A!.bonaFide, { k: 3, n: 7, rate: 3 / 7 })
  t.same(r.perSubject.A!.attack['printed-photo'], { k: 2, n: 4, rate: 0.5 })
  t.same(r.perSubject.B!.attack.screen, { k: 0, n: 0, rate: null })
  t.equal(r.perSubject.B!.iapmr, null)
  const summary = padSummary(r)
  t.notOk('images' in summary)
  t.ok('images' in r)
})
