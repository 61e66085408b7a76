// The load test's printed-photo species end to end (../shared/pad beside the repository: `npm run test:datasets`):
// embedded server, one kiosk worker, a NUAA subject enrolled from 3 bona fide frames, their printed photos shown.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { loadCalibration } from '../models/calibration.ts'
import { thresholdsFrom } from '../models/thresholds.ts'
import { gateTokenPolicy } from '../tokens/token-profile.ts'
import { parseMix } from '../kiosk-sim/loadtest/passenger-plan.ts'
import { runLoadtest } from '../kiosk-sim/loadtest/run-loadtest.ts'

import { DEFAULT_PAD_DATASET } from '../kiosk-sim/loadtest/pad-dataset.ts'

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
    t.equal(printed.k, 0, 'no printed photo approved: the presentation check stops both frames')
    t.notOk(
      Object.keys(report.decisions.spoof ?? {}).some((o) => /TOKEN|REVOKED/.test(o)),
      'every attack was shown with a valid token of its resident',
    )
    t.equal(report.lostEvents, 0)
  },
)
