import type { FaceBackend } from '../../models/face-types.ts'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ProgressBar } from '../../lib/progress-bar.ts'
import { writeJson, writeOutput } from '../../lib/write-output.ts'
import { assertCalibrationFor, loadCalibration } from '../../models/calibration.ts'
import { FACE_MODEL_ID } from '../../models/human-loader.ts'
import { thresholdsFrom } from '../../models/thresholds.ts'
import { gateTokenPolicy } from '../../tokens/token-profile.ts'
import { formatLoadtestReport } from './loadtest-report.ts'
import { loadtestHtml } from './loadtest-html.ts'
import { DEFAULT_MIX, parseMix } from './passenger-plan.ts'
import { runLoadtest } from './run-loadtest.ts'

/** ../shared/pad beside the repository: the PAD set's usual place. */
export const DEFAULT_PAD_DATASET = path.resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared/pad')

/**
 * Which PAD set the spoof scenario uses: the one named, else the default when it holds a manifest. Without one the
 * spoofs are synthetic renders only, and `notice` says so (one line). A named set that is missing is an error.
 */
export function padDatasetFor(
  flag: string | undefined,
  exists: (file: string) => boolean,
): { dataset: string | null; notice: string | null } {
  if (flag !== undefined) {
    if (!exists(path.join(flag, 'manifest.json'))) throw new Error(`--pad-dataset ${flag} has no manifest.json`)
    return { dataset: flag, notice: null }
  }
  if (exists(path.join(DEFAULT_PAD_DATASET, 'manifest.json'))) return { dataset: DEFAULT_PAD_DATASET, notice: null }
  return {
    dataset: null,
    notice: `load test: no PAD set at ${DEFAULT_PAD_DATASET} (--pad-dataset DIR): spoofs are synthetic-screen only`,
  }
}

/** kiosk-sim loadtest: exit 0 when the run completed with no lost events, 1 otherwise, 2 on bad usage. */
export async function loadtestCommand(argv: string[], backend?: FaceBackend): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      embedded: { type: 'boolean', default: false },
      'operator-key': { type: 'string', default: process.env.OPERATOR_KEY },
      'kiosk-keys': {
        type: 'string',
        default: process.env.KIOSK_KEYS,
        description: 'load-kiosk-1:key,...,conventional-gates:key',
      },
      kiosks: { type: 'string', default: '2' },
      duration: { type: 'string' },
      passengers: { type: 'string' },
      mix: { type: 'string' },
      'contactless-share': { type: 'string', default: '0.32' },
      seed: { type: 'string', default: '1' },
      fixtures: { type: 'string', default: 'fixtures' },
      json: { type: 'string' },
      html: { type: 'string' },
      'pad-dataset': { type: 'string' },
    },
  })
  const pad = padDatasetFor(values['pad-dataset'], existsSync)
  if (pad.notice) process.stderr.write(`${pad.notice}\n`)
  const kiosks = Number(values.kiosks)
  const share = Number(values['contactless-share'])
  const passengers = values.passengers ? Number(values.passengers) : undefined
  const durationSec = values.duration ? Number(values.duration) : passengers ? undefined : 60
  if (!(kiosks >= 1 && kiosks <= 16) || !(share > 0 && share <= 1) || (!values.server && !values.embedded)) {
    process.stderr.write(
      'usage: kiosk-sim loadtest (--embedded | --server URL[,URL...] --operator-key K --kiosk-keys id:key,...)\n' +
        '         [--kiosks N] [--duration S | --passengers N] [--mix genuine=..,impostor=..]\n' +
        '         [--contactless-share 0.32] [--json PATH] [--html PATH] [--pad-dataset DIR (default ../shared/pad)]\n',
    )
    return 2
  }
  const calibration = loadCalibration()
  assertCalibrationFor(calibration, FACE_MODEL_ID)
  const bar = new ProgressBar(process.stderr, 30)
  const report = await runLoadtest({
    backend,
    server: values.server
      ? {
          urls: values.server.split(','),
          operatorKey: values['operator-key'] ?? '',
          kioskKeys: Object.fromEntries(
            (values['kiosk-keys'] ?? '')
              .split(',')
              .filter(Boolean)
              .map((pair) => [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)]),
          ),
        }
      : null,
    kiosks,
    passengers,
    durationSec,
    mix: values.mix ? parseMix(values.mix) : DEFAULT_MIX,
    contactlessShare: share,
    seed: Number(values.seed),
    fixturesDir: values.fixtures!,
    padDataset: pad.dataset,
    log: (line) => process.stderr.write(`${line}\n`),
    policy: thresholdsFrom(calibration),
    tokenPolicy: gateTokenPolicy(),
    onProgress: ({ cleared, planned, perSecond, elapsedSec }) => {
      const line = `cleared ${cleared}/${planned}  ${perSecond.toFixed(2)}/s  ${elapsedSec.toFixed(0)} s`
      if (bar.tty) bar.draw(cleared / Math.max(planned, 1), `${line}   `)
      else if (Math.floor(elapsedSec) % 10 === 0) process.stderr.write(`${line}\n`)
    },
  })
  bar.end()
  process.stdout.write(`${formatLoadtestReport(report)}\n`)
  if (values.json) await writeJson(values.json, report)
  if (values.html) await writeOutput(values.html, loadtestHtml(report))
  return report.lostEvents === 0 && report.errors.workers === 0 ? 0 : 1
}
