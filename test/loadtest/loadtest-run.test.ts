// A short real load test: embedded server, one kiosk worker with its own face engine, the fixture residents.
import t from 'tap'
import { loadCalibration } from '../../models/calibration.ts'
import { thresholdsFrom } from '../../models/thresholds.ts'
import { gateTokenPolicy } from '../../tokens/token-profile.ts'
import { parseMix } from '../../kiosk-sim/loadtest/passenger-plan.ts'
import { runLoadtest } from '../../kiosk-sim/loadtest/run-loadtest.ts'

t.test('a short load test stores every event it sends and reports under stable keys', async (t) => {
  const report = await runLoadtest({
    server: null,
    kiosks: 1,
    passengers: 24,
    mix: parseMix('genuine=0.6,impostor=0.2,forged=0.1,expired=0.1'),
    contactlessShare: 0.5,
    seed: 3,
    fixturesDir: 'fixtures',
    policy: thresholdsFrom(loadCalibration()),
    tokenPolicy: gateTokenPolicy(),
  })
  t.equal(report.lostEvents, 0, 'events sent = events stored')
  t.equal(report.eventsSent, report.contactlessCleared + report.conventionalLogged)
  t.ok(report.contactlessCleared > 0 && report.conventionalLogged > 0, 'both channels present')
  t.equal(report.falseAccepts, 0, 'no impostor, forged or expired passenger approved')
  t.equal(report.errors.workers, 0)
  t.ok(report.clearancesPerSecond > 0)
  t.type(report.latencyMs.total.p95, 'number')
  for (const key of [
    'clearancesPerSecond',
    'latencyMs',
    'decisions',
    'falseAccepts',
    'falseRejects',
    'share',
    'lostEvents',
  ] as const)
    t.ok(key in report, key)
  t.ok(
    report.share.measured !== null &&
      Math.abs(report.share.measured - report.contactlessCleared / report.eventsSent) < 1e-9,
    'the server measured the share from the events',
  )
})
