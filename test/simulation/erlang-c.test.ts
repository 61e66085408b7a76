import t from 'tap'
import {
  erlangB,
  erlangC,
  gatesForPledge,
  mmcMeanWait,
  mmcUtilisation,
  mmcWaitExceeds,
} from '../../kiosk-sim/simulation/erlang-c.ts'

const near = (actual: number, expected: number, eps = 1e-12) => Math.abs(actual - expected) <= eps

t.test('M/M/1: C(1, a) = a and Wq = rho / (mu - lambda)', async (t) => {
  for (const a of [0, 0.1, 0.5, 0.8, 0.99]) t.ok(near(erlangC(1, a), a), `C(1, ${a}) = ${a}`)
  // lambda 0.8, mu 1: rho 0.8, Wq = 0.8 / 0.2 = 4
  t.ok(near(mmcMeanWait(0.8, 1, 1), 4), `Wq ${mmcMeanWait(0.8, 1, 1)} = 4`)
  // lambda 3/h, mu 4/h: Wq = 0.75 / 1 = 0.75 h
  t.ok(near(mmcMeanWait(3, 4, 1), 0.75), 'Wq 0.75')
  t.ok(near(mmcUtilisation(3, 4, 1), 0.75), 'rho 0.75')
})

t.test('M/M/2 by hand', async (t) => {
  // a = 1, c = 2: P0 = 1/(1 + 1 + 1/(2·(1 - 1/2))) = 1/3; C = (1/2!)·(1/(1 - 1/2))·P0 = 1/3
  t.ok(near(erlangC(2, 1), 1 / 3), `C(2, 1) = ${erlangC(2, 1)} = 1/3`)
  // lambda 1, mu 1, c 2: Wq = C / (2 - 1) = 1/3
  t.ok(near(mmcMeanWait(1, 1, 2), 1 / 3), 'Wq = 1/3')
  // a = 1.5, c = 2: C = (a^2/2)/(1 - 0.75) / (1 + 1.5 + 4.5) = 4.5/7 = 0.642857...
  t.ok(near(erlangC(2, 1.5), 4.5 / 7), `C(2, 1.5) = ${erlangC(2, 1.5)}`)
  // Erlang B(2, 1) = (1/2)/(1 + 1 + 1/2) = 0.2
  t.ok(near(erlangB(2, 1), 0.2), 'B(2, 1) = 0.2')
})

t.test('published value and numerical stability', async (t) => {
  // A textbook call-centre case: a = 10 erlangs, c = 11 -> C ≈ 0.6821
  t.ok(near(erlangC(11, 10), 0.6821, 5e-4), `C(11, 10) = ${erlangC(11, 10).toFixed(4)}`)
  // c = 1000 would overflow a factorial formula; the recurrence stays finite and in (0, 1)
  const big = erlangC(1000, 950)
  t.ok(big > 0 && big < 1, `C(1000, 950) = ${big}`)
  t.equal(erlangC(5, 5), 1, 'a = c is unstable: everyone waits')
  t.equal(mmcMeanWait(5, 1, 5), Number.POSITIVE_INFINITY, 'unstable Wq is Infinity')
  t.equal(mmcMeanWait(4.99, 1, 5) < Number.POSITIVE_INFINITY, true, 'twin: just stable is finite')
  t.throws(() => erlangC(0, 1), RangeError)
  t.throws(() => erlangC(2.5, 1), RangeError)
})

t.test('P(Wq > t) and gatesForPledge', async (t) => {
  t.ok(near(mmcWaitExceeds(0.8, 1, 1, 0), 0.8), 'P(Wq > 0) = C')
  t.ok(near(mmcWaitExceeds(0.8, 1, 1, 5), 0.8 * Math.exp(-1)), 'decays at rate c·mu - lambda')
  // 6,000 passengers/h at 8 s: a = 13.33 erlangs
  const lambda = 6000 / 3600
  const mu = 1 / 8
  const c = gatesForPledge(lambda, mu, 900, 0.98)
  t.ok(1 - mmcWaitExceeds(lambda, mu, c, 900) >= 0.98, `${c} gates hold the pledge`)
  t.ok(1 - mmcWaitExceeds(lambda, mu, c - 1, 900) < 0.98, `${c - 1} gates do not`)
  t.equal(gatesForPledge(0, mu, 900), 0, 'no arrivals, no gates')
})
