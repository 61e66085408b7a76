import t from 'tap'
import { scoreMetrics } from '../../models/eval/metrics.ts'
import {
  allOf,
  chooseGate,
  passMask,
  sortDescending,
  tradeoffPoint,
  weightedRate,
  weightedThresholdAtFmr,
  type ScoredPairs,
  type TradeoffPoint,
} from '../../models/eval/quality-tradeoff.ts'

const pairs = (rows: Array<[number, number, number]>): ScoredPairs => ({
  a: Uint32Array.from(rows, (r) => r[0]),
  b: Uint32Array.from(rows, (r) => r[1]),
  scores: Float64Array.from(rows, (r) => r[2]),
})
const ones = (n: number) => new Uint8Array(n).fill(1)

t.test('passMask: at the threshold passes, just beyond fails, null always fails', async (t) => {
  t.same([...passMask([0.5, 0.49, null, 0.9], 0.5, 'min')], [1, 0, 0, 1])
  t.same([...passMask([10, 10.5, null, -3], 10, 'max')], [1, 0, 0, 1])
  t.same([...allOf([Uint8Array.of(1, 1, 0), Uint8Array.of(1, 0, 0)])], [1, 0, 0])
  t.throws(() => allOf([]), RangeError)
})

// Photos 0..3 of A, 4..5 of B. Genuine pairs: (0,1) 0.9, (0,2) 0.5, (1,2) 0.8, (4,5) 0.7.
const GENUINE = pairs([
  [0, 1, 0.9],
  [0, 2, 0.5],
  [1, 2, 0.8],
  [4, 5, 0.7],
])

t.test('weightedRate: a failing enrolment photo halves the weight of its pairs', async (t) => {
  // No gate: 1 of 4 pairs below 0.6.
  const all = weightedRate(GENUINE, ones(6), 'enrolment', 0.6, 'below')
  t.equal(all.rate, 0.25)
  t.equal(all.pairs, 4)
  // Photo 2 fails: (0,2) and (1,2) weigh 1, the others 2; errors 1 of total 6.
  const gated = weightedRate(GENUINE, Uint8Array.of(1, 1, 0, 1, 1, 1), 'enrolment', 0.6, 'below')
  t.equal(gated.rate, 1 / 6)
  t.equal(gated.pairs, 4, 'every pair still has one passing photo')
  // Both sides gated: (0,2) and (1,2) drop out; 0 of 2 below.
  const both = weightedRate(GENUINE, Uint8Array.of(1, 1, 0, 1, 1, 1), 'both', 0.6, 'below')
  t.equal(both.rate, 0)
  t.equal(both.pairs, 2)
  // Photo 0 fails instead: the low pair keeps weight 1, the rate rises to 1/6 as well, never 0.
  t.equal(weightedRate(GENUINE, Uint8Array.of(0, 1, 1, 1, 1, 1), 'enrolment', 0.6, 'below').rate, 1 / 6)
  t.equal(weightedRate(GENUINE, ones(6), 'enrolment', 0.95, 'atOrAbove').rate, 0)
  t.equal(
    weightedRate(GENUINE, ones(6), 'enrolment', 0.9, 'atOrAbove').rate,
    0.25,
    'at the threshold counts as accepted',
  )
  t.throws(() => weightedRate(GENUINE, new Uint8Array(6), 'enrolment', 0.6, 'below'), RangeError)
})

t.test('weightedThresholdAtFmr: with no gate it is scoreMetrics.fnmrAtFmr, ties included', async (t) => {
  const scores = [0.1, 0.9, 0.3, 0.9, 0.5, 0.7, 0.2, 0.4, 0.6, 0.8]
  const imp = sortDescending(pairs(scores.map((s, k) => [k, k + 10, s])))
  t.same(
    [...imp.scores],
    [...scores].sort((x, y) => y - x),
  )
  for (const target of [0, 0.1, 0.2, 0.3, 0.5, 1]) {
    const expected = scoreMetrics([0.5], scores).fnmrAtFmr(target)
    const got = weightedThresholdAtFmr(imp, ones(20), 'enrolment', target)
    t.equal(got.threshold, expected.threshold, `threshold at FMR ${target}`)
    t.equal(got.fmr, expected.fmr, `FMR at ${target}`)
  }
})

t.test('weightedThresholdAtFmr: gating out the top impostor lowers the threshold', async (t) => {
  // Impostors: (0,10) 0.9, (1,11) 0.8, (2,12) 0.7, (3,13) 0.6; with no gate each weighs 2 of a total 8.
  const imp = sortDescending(
    pairs([
      [0, 10, 0.9],
      [1, 11, 0.8],
      [2, 12, 0.7],
      [3, 13, 0.6],
    ]),
  )
  const justAbove = (x: number, s: number) => s > x && s < x + 1e-9
  const open10 = weightedThresholdAtFmr(imp, ones(14), 'enrolment', 0.1)
  t.ok(justAbove(0.9, open10.threshold), '10% of 8 allows 0.8: even the 0.9 pair is refused')
  t.equal(open10.fmr, 0)
  const open25 = weightedThresholdAtFmr(imp, ones(14), 'enrolment', 0.25)
  t.ok(justAbove(0.8, open25.threshold), '25% of 8 allows the 0.9 pair (weight 2)')
  t.equal(open25.fmr, 0.25)
  // Both photos of the 0.9 pair fail the gate: it weighs 0 of a total 6.
  const pass = ones(14)
  pass[0] = 0
  pass[10] = 0
  const gated10 = weightedThresholdAtFmr(imp, pass, 'enrolment', 0.1)
  t.ok(justAbove(0.8, gated10.threshold), 'the gated-out 0.9 pair no longer sets the threshold')
  t.equal(gated10.fmr, 0)
  const gated34 = weightedThresholdAtFmr(imp, pass, 'enrolment', 0.34)
  t.ok(justAbove(0.7, gated34.threshold), '34% of 6 (2.04) lets the 0.8 pair in')
  t.equal(gated34.fmr, 2 / 6)
  t.throws(() => weightedThresholdAtFmr(imp, new Uint8Array(14), 'enrolment', 0.1), RangeError)
})

t.test('tradeoffPoint: FTE counts failing photos; no gate gives the plain rates', async (t) => {
  const imp = sortDescending(
    pairs([
      [0, 4, 0.6],
      [1, 5, 0.3],
      [2, 4, 0.2],
      [3, 5, 0.1],
    ]),
  )
  const open = tradeoffPoint(ones(6), GENUINE, imp, { side: 'enrolment', targetFmr: 0, fixedThreshold: 0.75 })
  t.equal(open.fte, 0)
  t.ok(open.atTarget.threshold > 0.6 && open.atTarget.threshold < 0.6000001)
  t.equal(open.atTarget.rate, 0.25, 'only the 0.5 genuine pair falls below')
  t.equal(open.atFixed.rate, 0.5, '0.5 and 0.7 fall below 0.75')
  t.equal(open.atFixed.fmr, 0)
  const gated = tradeoffPoint(Uint8Array.of(1, 1, 0, 1, 1, 1), GENUINE, imp, {
    side: 'enrolment',
    targetFmr: 0,
    fixedThreshold: 0.75,
  })
  t.equal(gated.fteCount, 1)
  t.equal(gated.fte, 1 / 6)
  t.equal(gated.atTarget.rate, 1 / 6)
})

const point = (fte: number, rate: number, ciLow: number): TradeoffPoint => ({
  fteCount: 0,
  fte,
  atTarget: { rate, pairs: 100, ciLow, ciHigh: rate + 0.01, threshold: 0.9, fmr: 0.001 },
  atFixed: { rate, pairs: 100, ciLow, ciHigh: rate + 0.01, threshold: 0.9, fmr: 0.001 },
})

t.test('chooseGate: lowest FNMR within the FTE ceiling, only when it clears the current CI', async (t) => {
  const current = { value: 1, point: point(0.005, 0.08, 0.075) }
  const clear = { value: 2, point: point(0.015, 0.07, 0.065) }
  const noise = { value: 2, point: point(0.015, 0.076, 0.07) }
  const tooCostly = { value: 3, point: point(0.05, 0.05, 0.045) }
  t.same(chooseGate([current, clear, tooCostly], current, 0.02), { chosen: clear, changed: true })
  t.same(
    chooseGate([current, noise, tooCostly], current, 0.02),
    { chosen: current, changed: false },
    'within the CI: keep',
  )
  t.same(
    chooseGate([current, clear, tooCostly], current, 0.1),
    { chosen: tooCostly, changed: true },
    'a higher ceiling admits it',
  )
  t.same(chooseGate([tooCostly], current, 0.02), { chosen: current, changed: false }, 'nothing within the ceiling')
})
