import t from 'tap'
import {
  simulateControlPoint,
  type ControlPointConfig,
  type ControlPointResult,
} from '../../kiosk-sim/simulation/control-point.ts'
import { erlangC, mmcMeanWait } from '../../kiosk-sim/simulation/erlang-c.ts'

const busyHour: ControlPointConfig = {
  seed: 42,
  hours: 2,
  arrivalsPerHour: [6000, 7000],
  contactlessShare: 0.4,
  gates: { contactless: 8, conventional: 12, counters: 4 },
}

const total = (b: { contactless: number; conventional: number; counter: number }) =>
  b.contactless + b.conventional + b.counter
const conserved = (r: ControlPointResult) => total(r.served) + total(r.stillQueued) + total(r.inService)

t.test('seeded determinism', async (t) => {
  const a = simulateControlPoint(busyHour)
  t.same(simulateControlPoint(busyHour), a, 'same seed: deep-equal result')
  const b = simulateControlPoint({ ...busyHour, seed: 43 })
  t.notSame(b, a, 'different seed: different result')
  t.not(b.arrivals, a.arrivals, 'different arrivals')
})

t.test('conservation: arrivals = served + still queued + in service', async (t) => {
  const normal = simulateControlPoint(busyHour)
  t.equal(conserved(normal), normal.arrivals, `normal load: ${normal.arrivals} arrivals`)
  t.equal(total(normal.served), normal.finished)
  t.equal(
    normal.hourly.reduce((s, h) => s + h.arrivals, 0),
    normal.arrivals,
    'hourly arrivals add up',
  )
  t.equal(
    normal.hourly.reduce((s, h) => s + h.served, 0),
    normal.finished,
    'hourly served add up',
  )
  // Overload: far too few gates, so the run ends with a long backlog.
  const overload = simulateControlPoint({ ...busyHour, gates: { contactless: 2, conventional: 3, counters: 1 } })
  t.ok(total(overload.stillQueued) > 1000, `overload leaves ${total(overload.stillQueued)} queued`)
  t.equal(conserved(overload), overload.arrivals, 'overload: still conserved')
  t.ok(
    overload.overdueAtEnd > 0 && overload.overdueAtEnd <= total(overload.stillQueued) + total(overload.inService),
    `${overload.overdueAtEnd} left in the system are already past the pledge`,
  )
  t.equal(normal.overdueAtEnd, 0, 'twin: none at normal load')
  t.ok(
    overload.utilisation.conventional > 0.99 && overload.utilisation.conventional <= 1,
    'saturated gates are ~100% busy',
  )
  // No counters: referred passengers wait for ever, and are counted as queued.
  const noCounters = simulateControlPoint({ ...busyHour, gates: { ...busyHour.gates, counters: 0 } })
  t.equal(noCounters.stillQueued.counter, noCounters.referred, 'referred passengers queue at the missing counters')
  t.equal(conserved(noCounters), noCounters.arrivals, 'no counters: still conserved')
})

// One gate type, exponential service (cv 1), constant Poisson arrivals, nobody referred: an M/M/c queue.
// Over 10 seeds the simulated/Erlang C ratio of mean waits had sd ~2.7% at these run lengths, and the model
// starts empty (a slight downward bias), so 10% is ~3.5 sd.
const TOLERANCE = 0.1
for (const { c, rho, hours } of [
  { c: 5, rho: 0.8, hours: 300 },
  { c: 2, rho: 0.5, hours: 150 },
]) {
  t.test(`agrees with Erlang C: M/M/${c} at rho ${rho}`, async (t) => {
    const mu = 1 / 7
    const lambda = rho * c * mu
    const r = simulateControlPoint({
      seed: 7,
      hours,
      arrivalsPerHour: [lambda * 3600],
      contactlessShare: 1,
      gates: { contactless: c, conventional: 0, counters: 0 },
      serviceSec: { contactless: { mean: 7, cv: 1 } },
      referRate: 0,
    })
    const wq = mmcMeanWait(lambda, mu, c)
    t.ok(
      Math.abs(r.waitSec.mean / wq - 1) < TOLERANCE,
      `mean wait ${r.waitSec.mean.toFixed(3)} s vs Erlang C ${wq.toFixed(3)} s (${r.arrivals} arrivals)`,
    )
    const pWait = erlangC(c, lambda / mu)
    t.ok(Math.abs(r.waitedShare - pWait) < 0.02, `P(wait) ${r.waitedShare.toFixed(4)} vs ${pWait.toFixed(4)}`)
    t.ok(
      Math.abs(r.utilisation.contactless - rho) < 0.01,
      `utilisation ${r.utilisation.contactless.toFixed(4)} vs ${rho}`,
    )
    t.equal(r.measuredContactlessShare, 1)
  })
}

t.test('the pledge share falls when gates are removed, and holds with enough gates', async (t) => {
  const enough = simulateControlPoint(busyHour)
  t.ok(enough.withinPledge >= 0.98, `enough gates: ${(enough.withinPledge * 100).toFixed(1)}% within 15 min`)
  const fewer = simulateControlPoint({ ...busyHour, gates: { ...busyHour.gates, conventional: 7 } })
  t.ok(fewer.withinPledge < 0.98, `5 conventional gates fewer: ${(fewer.withinPledge * 100).toFixed(1)}%`)
  t.ok(fewer.waitSec.p98 > enough.waitSec.p98, 'and p98 wait grows')
  const more = simulateControlPoint({ ...busyHour, gates: { ...busyHour.gates, conventional: 16 } })
  t.ok(more.withinPledge >= enough.withinPledge, 'twin: adding gates never lowers it here')
})

t.test('measured contactless share follows the configured share', async (t) => {
  for (const share of [0.32, 0.4, 0.7]) {
    const r = simulateControlPoint({ ...busyHour, hours: 1, contactlessShare: share })
    t.ok(
      Math.abs(r.measuredContactlessShare - share) < 0.03,
      `configured ${share}, measured ${r.measuredContactlessShare.toFixed(3)}`,
    )
  }
  const noGates = simulateControlPoint({ ...busyHour, hours: 1, gates: { ...busyHour.gates, contactless: 0 } })
  t.equal(noGates.measuredContactlessShare, 0, 'without contactless gates enrolled residents use the conventional ones')
  t.equal(noGates.routed.contactless, 0)
})

t.test('referred passengers re-queue at the counters', async (t) => {
  const r = simulateControlPoint({ ...busyHour, referRate: 0.1 })
  const eChannel = r.routed.contactless + r.routed.conventional
  t.ok(Math.abs(r.referred / eChannel - 0.1) < 0.02, `${r.referred} of ${eChannel} referred`)
  t.ok(
    r.served.counter >= r.referred - total(r.inService) - total(r.stillQueued),
    'their final service is at a counter',
  )
  const none = simulateControlPoint({ ...busyHour, referRate: 0 })
  t.equal(none.served.counter, 0, 'twin: no referrals, no counter traffic')
})

t.test('invalid config is rejected with a code', async (t) => {
  t.throws(() => simulateControlPoint({ ...busyHour, contactlessShare: 1.5 }), { code: 'SIM_BAD_CONFIG' })
  t.throws(() => simulateControlPoint({ ...busyHour, gates: { ...busyHour.gates, counters: 2.5 } }), {
    code: 'SIM_BAD_CONFIG',
  })
  t.throws(() => simulateControlPoint({ ...busyHour, arrivalsPerHour: [] }), { code: 'SIM_BAD_CONFIG' })
})
