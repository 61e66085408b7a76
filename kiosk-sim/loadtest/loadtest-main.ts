// The action of `kiosk-sim loadtest`, loaded only when the command runs: start-up checks of --server, the run
// with a progress line, the report on stdout and in the files asked for.
import type { CliIo } from '../../lib/cli/run-program.ts'
import { ProgressBar } from '../../lib/progress-bar.ts'
import { writeJson, writeOutput } from '../../lib/write-output.ts'
import { assertCalibrationFor, loadCalibration } from '../../models/calibration.ts'
import type { FaceBackend } from '../../models/face-types.ts'
import { FACE_MODEL_ID } from '../../models/human-loader.ts'
import { thresholdsFrom } from '../../models/thresholds.ts'
import { gateTokenPolicy } from '../../tokens/token-profile.ts'
import { checkServerAccess } from '../startup-check.ts'
import { formatLoadtestReport } from './loadtest-report.ts'
import { loadtestHtml } from './loadtest-html.ts'
import { DEFAULT_MIX, type Mix } from './passenger-plan.ts'
import { runLoadtest, type LoadtestOptions } from './run-loadtest.ts'

export interface LoadtestRun {
  server: LoadtestOptions['server']
  kiosks: number
  passengers?: number
  durationSec?: number
  mix?: Mix
  contactlessShare: number
  seed: number
  fixturesDir: string
  /** PAD set for the printed-photo spoofs; null: synthetic-screen only. */
  padDataset: string | null
  json?: string
  html?: string
}

/** Exit 0 when the run completed with no lost events, 1 otherwise. */
export async function runLoadtestCommand(run: LoadtestRun, io: CliIo, backend?: FaceBackend): Promise<number> {
  const calibration = loadCalibration()
  assertCalibrationFor(calibration, FACE_MODEL_ID)
  // Every server and every kiosk key, before a worker starts: one line for a dead server or a wrong key.
  for (const url of run.server?.urls ?? [])
    for (const [kioskId, kioskKey] of Object.entries(run.server!.kioskKeys))
      await checkServerAccess({ url, kioskId, kioskKey, operatorKey: run.server!.operatorKey })
  const bar = new ProgressBar(process.stderr, 30)
  const report = await runLoadtest({
    backend,
    server: run.server,
    kiosks: run.kiosks,
    passengers: run.passengers,
    durationSec: run.durationSec,
    mix: run.mix ?? DEFAULT_MIX,
    contactlessShare: run.contactlessShare,
    seed: run.seed,
    fixturesDir: run.fixturesDir,
    padDataset: run.padDataset,
    log: (line) => io.err(`${line}\n`),
    policy: thresholdsFrom(calibration),
    tokenPolicy: gateTokenPolicy(),
    onProgress: ({ cleared, planned, perSecond, elapsedSec }) => {
      const line = `cleared ${cleared}/${planned}  ${perSecond.toFixed(2)}/s  ${elapsedSec.toFixed(0)} s`
      if (bar.tty) bar.draw(cleared / Math.max(planned, 1), `${line}   `)
      else if (Math.floor(elapsedSec) % 10 === 0) io.err(`${line}\n`)
    },
  })
  bar.end()
  io.out(`${formatLoadtestReport(report)}\n`)
  if (run.json) await writeJson(run.json, report)
  if (run.html) await writeOutput(run.html, loadtestHtml(report))
  return report.lostEvents === 0 && report.errors.workers === 0 ? 0 : 1
}
