import t from 'tap'
import { highestThresholdWithin, nextUp, scoreMetrics, wilsonInterval } from '../../models/eval/metrics.ts'
import { createPrng } from '../../models/eval/pairs.ts'

// Hand-computed example. Sorted: genuine [0.4, 0.7, 0.8, 0.9]; impostor
// [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.45, 0.5, 0.6]. Accept when score >= threshold.
const GENUINE = [0.9, 0.8, 0.7, 0.4]
const IMPOSTOR = [0.1, 0.2, 0.5, 0.3, 0.6, 0.05, 0.15, 0.25, 0.35, 0.45]
const m = scoreMetrics(GENUINE, IMPOSTOR)
const close = (
  t: { ok(ok: boolean, msg: string): unknown },
  actual: number,
  expected: number,
  msg: string,
  eps = 1e-9,
): void => {
  t.ok(Math.abs(actual - expected) <= eps, `${msg}: ${actual} ~ ${expected}`)
}

t.test('FMR and FNMR at a threshold (accept if score >= threshold)', async (t) => {
  t.equal(m.fmrAt(0.5), 0.2, 'impostors 0.5 and 0.6 are accepted at 0.5')
  t.equal(m.fmrAt(nextUp(0.5)), 0.1, 'just above 0.5 only 0.6 is accepted')
  t.equal(m.fnmrAt(0.4), 0, 'genuine 0.4 is accepted at exactly 0.4')
  t.equal(m.fnmrAt(nextUp(0.4)), 0.25, 'and rejected just above it')
  t.equal(m.fmrAt(-1), 1)
  t.equal(m.fmrAt(0.61), 0)
  t.equal(m.fnmrAt(0.95), 1)
  t.equal(m.genuineCount, 4)
  t.equal(m.impostorCount, 10)
})

t.test('EER interpolates between the bracketing operating points', async (t) => {
  // t=0.45: FMR 0.3, FNMR 0.25 (FNMR < FMR); t=0.5: FMR 0.2, FNMR 0.25 (crossed).
  // Segment meets FMR = FNMR halfway: EER 0.25, threshold 0.475.
  const { eer, threshold } = m.eer()
  close(t, eer, 0.25, 'EER')
  close(t, threshold, 0.475, 'EER threshold')
})

t.test('EER on the diagonal, with perfect separation, and with identical scores', async (t) => {
  // t=0.6: FMR 0.5, FNMR 0; t=0.7: FMR 0.5, FNMR 0.5: exactly equal, no interpolation.
  t.same(scoreMetrics([0.6, 0.8], [0.2, 0.7]).eer(), { eer: 0.5, threshold: 0.7 })
  t.same(scoreMetrics([0.8, 0.9], [0.1, 0.2]).eer(), { eer: 0, threshold: 0.8 }, 'separable: EER 0')
  t.same(scoreMetrics([0.5], [0.5]).eer(), { eer: 0.5, threshold: 0.5 }, 'indistinguishable: EER 0.5')
})

t.test('FNMR at FMR picks the lowest threshold whose FMR <= target', async (t) => {
  // 10 impostors, target 0.1 allows 1 false match: the 2nd highest impostor (0.5) must be rejected.
  const r = m.fnmrAtFmr(0.1)
  t.equal(r.threshold, nextUp(0.5))
  t.equal(r.fmr, 0.1)
  t.equal(r.fnmr, 0.25)
  t.equal(r.falseNonMatches, 1)
  close(t, r.ciLow, 0.0455873, 'Wilson low of 1/4', 1e-6)
  close(t, r.ciHigh, 0.699358, 'Wilson high of 1/4', 1e-6)
  t.ok(m.fmrAt(0.5) > 0.1, 'one step lower would break the target')

  // Target 0.3 allows 3 false matches: threshold just above 0.35, every genuine accepted.
  const loose = m.fnmrAtFmr(0.3)
  t.equal(loose.threshold, nextUp(0.35))
  t.equal(loose.fmr, 0.3)
  t.equal(loose.fnmr, 0)
  t.equal(loose.ciLow, 0)
  close(t, loose.ciHigh, 0.489891, 'Wilson high of 0/4', 1e-6)
})

t.test('FNMR at FMR with targets below 1/n, between steps, and 1', async (t) => {
  t.equal(m.fnmrAtFmr(0).threshold, nextUp(0.6), 'FMR 0: above the highest impostor')
  t.equal(m.fnmrAtFmr(0).fmr, 0)
  t.equal(m.fnmrAtFmr(0.05).threshold, nextUp(0.6), '0.05 of 10 still allows no false match')
  t.equal(m.fnmrAtFmr(0.19).threshold, nextUp(0.5), '0.19 of 10 allows one')
  t.equal(m.fnmrAtFmr(1).fnmr, 0, 'target 1 accepts everything')
  t.equal(m.fnmrAtFmr(1).fmr, 1)
  t.throws(() => m.fnmrAtFmr(-0.1), RangeError)
  t.throws(() => m.fnmrAtFmr(1.5), RangeError)
})

t.test('Wilson score interval', async (t) => {
  const half = wilsonInterval(5, 10)
  close(t, half.low, 0.236593, 'low of 5/10', 1e-6)
  close(t, half.high, 0.763407, 'high of 5/10', 1e-6)
  const all = wilsonInterval(10, 10)
  t.equal(all.high, 1)
  close(t, all.low, 0.722467, 'low of 10/10', 1e-6)
  t.throws(() => wilsonInterval(3, 0), RangeError)
  t.throws(() => wilsonInterval(4, 3), RangeError)
})

t.test('AUC is Mann-Whitney with ties counted one half', async (t) => {
  // Genuine 0.4 beats 7 impostors, 0.7/0.8/0.9 beat all 10: 37 / 40.
  close(t, m.auc(), 0.925, 'AUC of the example')
  // Ties: (0.5, 0.5) counts 1/2 twice, (0.5, 0.2) counts 1 twice: 3 / 4.
  t.equal(scoreMetrics([0.5, 0.5], [0.5, 0.2]).auc(), 0.75)
  // Same without the tie on one side: 1 + 1 + 0.5 + 1 = 3.5 / 4.
  t.equal(scoreMetrics([0.6, 0.5], [0.5, 0.2]).auc(), 0.875)
  t.equal(scoreMetrics([0.1], [0.9]).auc(), 0, 'reversed scores')
})

t.test('agrees with brute force on random scores', async (t) => {
  const random = createPrng(7)
  const genuine = Array.from({ length: 300 }, () => Math.round((0.5 + 0.5 * random()) * 100) / 100)
  const impostor = Array.from({ length: 3000 }, () => Math.round(0.7 * random() * 100) / 100)
  const r = scoreMetrics(genuine, impostor)
  for (const th of [0.3, 0.5, 0.55, 0.6, 0.69, 0.7]) {
    t.equal(r.fmrAt(th), impostor.filter((s) => s >= th).length / impostor.length, `FMR at ${th}`)
    t.equal(r.fnmrAt(th), genuine.filter((s) => s < th).length / genuine.length, `FNMR at ${th}`)
  }
  let wins = 0
  for (const g of genuine) for (const i of impostor) wins += g > i ? 1 : g === i ? 0.5 : 0
  close(t, r.auc(), wins / (genuine.length * impostor.length), 'AUC')
  const at = r.fnmrAtFmr(0.01)
  t.ok(at.fmr <= 0.01, 'FMR within target')
  t.ok(
    r.fmrAt(at.threshold - 1e-9) > 0.01 || at.threshold === Math.min(...genuine, ...impostor),
    'lowest such threshold',
  )
})

t.test('one million impostor scores stay fast', async (t) => {
  const random = createPrng(1)
  const impostor = new Float64Array(1_000_000).map(() => random() * 0.8 - 0.2)
  const genuine = new Float64Array(5_000).map(() => 0.3 + random() * 0.7)
  const start = performance.now()
  const r = scoreMetrics(genuine, impostor)
  const at = r.fnmrAtFmr(1e-4)
  r.eer()
  r.auc()
  const ms = performance.now() - start
  t.ok(at.fmr <= 1e-4 && at.fmr > 0.9e-4, `FMR ${at.fmr} resolved near 1e-4`)
  t.ok(ms < 10_000, `took ${ms.toFixed(0)} ms`)
})

t.test('DET curve is monotone and bounded', async (t) => {
  const curve = m.detCurve(20)
  t.ok(curve.length >= 2 && curve.length <= 20)
  for (let i = 1; i < curve.length; i++) {
    t.ok(curve[i]!.threshold > curve[i - 1]!.threshold, 'thresholds ascend')
    t.ok(curve[i]!.fmr <= curve[i - 1]!.fmr, 'FMR falls')
    t.ok(curve[i]!.fnmr >= curve[i - 1]!.fnmr, 'FNMR rises')
  }
  t.same(curve.at(-1), { threshold: 0.9, fmr: 0, fnmr: 0.75 }, 'ends at the highest genuine score')
  t.throws(() => m.detCurve(1), RangeError)
})

t.test('rejects empty or non-finite scores', async (t) => {
  t.throws(() => scoreMetrics([], [0.1]), RangeError)
  t.throws(() => scoreMetrics([0.5], []), RangeError)
  t.throws(() => scoreMetrics([NaN], [0.1]), RangeError)
  t.doesNotThrow(() => scoreMetrics([0.5], [0.1]), 'one score each is enough')
})

t.test('highest quality threshold within a rejection budget', async (t) => {
  const scores = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
  t.same(highestThresholdWithin(scores, 0.1, 0.01), { threshold: 0.2, rejectShare: 0.1 }, '10% budget rejects only 0.1')
  t.same(highestThresholdWithin(scores, 0.05, 0.01), { threshold: 0.1, rejectShare: 0 }, '5% of 10 rejects nothing')
  t.same(highestThresholdWithin([0.257, 0.9], 0, 0.01), { threshold: 0.25, rejectShare: 0 }, 'rounded down to the grid')
  t.same(highestThresholdWithin([80.5, 100, 120], 0, 1), { threshold: 80, rejectShare: 0 }, 'pixel grid')
  t.throws(() => highestThresholdWithin(scores, 1, 0.01), RangeError)
})

t.test('nextUp', async (t) => {
  t.equal(nextUp(1), 1 + Number.EPSILON)
  t.ok(nextUp(-0.5) > -0.5 && nextUp(-0.5) - -0.5 < 1e-15)
  t.equal(nextUp(0), Number.MIN_VALUE)
})
