// A short real load test: embedded server, one kiosk worker with its own face engine, the fixture residents.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { DEFAULT_PAD_DATASET } from '../../kiosk-sim/loadtest/pad-dataset.ts'
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

t.test(
  'spoofs of both species: real printed photos of a PAD resident with their token, and screen renders',
  async (t) => {
    // Three bona fide frames of NUAA subject 0001 that pass the gate's face stage, and two of their attack frames.
    const bona = ['0', '112', '141'].map((f) => `nuaa/bona-fide/0001/0001_00_00_01_${f}.jpg`)
    const attacks = ['0', '116'].map((f) => `nuaa/attack/0001/0001_00_00_01_${f}.jpg`)
    const manifest = [
      ...bona.map((file) => ({ file, subject: 'nuaa:0001', presentation: 'bona-fide', species: null })),
      ...attacks.map((file) => ({ file, subject: 'nuaa:0001', presentation: 'attack', species: 'printed-photo' })),
    ]
    const dir = await mkdtemp(path.join(tmpdir(), 'loadtest-pad-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    for (const e of manifest) {
      await mkdir(path.dirname(path.join(dir, e.file)), { recursive: true })
      await copyFile(path.join(DEFAULT_PAD_DATASET, e.file), path.join(dir, e.file))
    }
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest))
    const log: string[] = []
    const report = await runLoadtest({
      server: null,
      kiosks: 1,
      passengers: 16,
      mix: parseMix('genuine=0.5,spoof=0.5'),
      contactlessShare: 1,
      seed: 3,
      fixturesDir: 'fixtures',
      padDataset: dir,
      log: (line) => log.push(line),
      policy: thresholdsFrom(loadCalibration()),
      tokenPolicy: gateTokenPolicy(),
    })
    t.same(log, [], 'the PAD subject enrolled')
    const printed = report.attacks['printed-photo']!
    const screens = report.attacks['synthetic-screen']!
    t.ok(printed.n > 0 && screens.n > 0, `printed ${printed.n}, screens ${screens.n}`)
    t.equal(
      printed.n + screens.n,
      report.decisions.spoof ? Object.values(report.decisions.spoof).reduce((a, b) => a + b) : 0,
    )
    t.equal(printed.k + screens.k, report.decisions.spoof?.APPROVE ?? 0, 'k counts the approved attacks')
    t.notOk(
      Object.keys(report.decisions.spoof ?? {}).some((o) => /TOKEN|REVOKED/.test(o)),
      'every attack was shown with a valid token of its resident',
    )
    t.equal(report.lostEvents, 0)
  },
)
