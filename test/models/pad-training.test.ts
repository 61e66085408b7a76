// The training script's pure parts: the threshold rule, the error rates, the logistic regression.
import t from 'tap'
import { choleskySolve, fitLogistic, fitStandardiser, standardise } from '../../scripts/pad/logistic-regression.ts'
import { auc, errorRates, thresholdForBpcer } from '../../scripts/pad/pad-metrics.ts'

t.test('thresholdForBpcer refuses at most the target share of bona fide, and no fewer than it must', async (t) => {
  const bona = Array.from({ length: 100 }, (_, i) => (i + 1) / 100) // 0.01 .. 1.00
  const threshold = thresholdForBpcer(bona, 0.05)
  const refused = bona.filter((s) => s < threshold).length
  t.ok(refused <= 5, `${refused} of 100 refused at ${threshold}`)
  t.ok(bona.filter((s) => s < threshold + 0.011).length > 5, 'a step higher would refuse more than 5%')
  t.equal(thresholdForBpcer(bona, 0), 0.01, 'target 0: the lowest bona fide score still passes')
})

t.test('errorRates counts accepted attacks and refused bona fide at >= threshold', async (t) => {
  const r = errorRates([0.1, 0.5, 0.9], [0.4, 0.5, 0.6, 0.7], 0.5)
  t.same(r, { apcer: 2 / 3, bpcer: 1 / 4, attacks: 3, bonaFide: 4, attacksAccepted: 2, bonaFideRefused: 1 })
  t.equal(errorRates([0.1], [0.9], 0.5).apcer, 0, 'positive twin: a clean split has no errors')
  t.equal(auc([0.1, 0.2], [0.8, 0.9]), 1)
  t.equal(auc([0.8, 0.9], [0.1, 0.2]), 0)
  t.equal(auc([0.5], [0.5]), 0.5, 'ties count half')
})

t.test('choleskySolve solves a symmetric positive definite system', async (t) => {
  const x = choleskySolve(Float64Array.from([4, 2, 2, 3]), Float64Array.from([10, 8]), 2)
  t.ok(Math.abs(x[0]! - 1.75) < 1e-12 && Math.abs(x[1]! - 1.5) < 1e-12, `${x[0]}, ${x[1]}`)
})

t.test('fitLogistic separates a separable set, deterministically, and the penalty shrinks the weights', async (t) => {
  const rows = [-3, -2, -1.5, -1, 1, 1.5, 2, 3].map((v, i) => Float64Array.from([v, i % 2]))
  const y = rows.map((r) => (r[0]! > 0 ? 1 : 0))
  const w = rows.map(() => 1)
  const s = fitStandardiser(rows)
  const z = rows.map((r) => standardise(r, s))
  const a = fitLogistic(z, y, w, { l2: 0.01 })
  const b = fitLogistic(z, y, w, { l2: 0.01 })
  t.same([...a.weights, a.bias], [...b.weights, b.bias], 'the same data give the same weights')
  const predict = (m: typeof a, v: Float64Array): number =>
    1 / (1 + Math.exp(-(m.bias + m.weights[0]! * v[0]! + m.weights[1]! * v[1]!)))
  t.ok(
    z.every((v, i) => (predict(a, v) >= 0.5 ? 1 : 0) === y[i]),
    'every training row on its side',
  )
  t.ok(a.weights[0]! > 0, 'the informative feature gets a positive weight')
  const strong = fitLogistic(z, y, w, { l2: 1 })
  t.ok(Math.abs(strong.weights[0]!) < Math.abs(a.weights[0]!), 'a stronger penalty, smaller weights')
})
