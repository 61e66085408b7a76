// `pad-eval` command: the presentation-attack figures (ISO/IEC 30107-3) of the gate's face stage on a labelled
// dataset of bona fide and attack frames.
//   --dataset DIR [--json F] [--html F] [--workers N] [--calibration F] [--analyses F]
//   --from-analyses F [--json F] [--html F] [--calibration F]     (re-score a previous run, no engine)
// Exit codes: 0 done, 1 the run failed, 2 usage error (kiosk-sim pad-eval --help).

import { cpus } from 'node:os'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { Command, Option } from 'commander'
import { count } from '../../lib/cli/number-parsers.ts'
import { commandAction, ioOf, processIo, usageError } from '../../lib/cli/run-program.ts'
import { parseFaceBackend } from '../../models/face-backend.ts'
import { pct } from '../../lib/format.ts'
import { ProgressBar } from '../../lib/progress-bar.ts'
import { writeJson, writeOutput } from '../../lib/write-output.ts'
import { assertCalibrationFor, DEFAULT_CALIBRATION_PATH, loadCalibration } from '../../models/calibration.ts'
import type { FaceBackend } from '../../models/face-types.ts'
import { thresholdsFrom } from '../../models/thresholds.ts'
import type { StartEngine } from '../eval/analyse-images.ts'
import { decodePadAnalyses, encodePadAnalyses, type PadAnalyses } from './pad-analyses.ts'
import { padEvalHtml } from './pad-eval-html.ts'
import { buildPadReport, padSummary, type PadSummary } from './pad-report.ts'
import { analysePadDataset } from './run-pad-eval.ts'

export interface CommandIo {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown; isTTY?: boolean; columns?: number }
}

export interface PadEvalArgs {
  dataset?: string
  fromAnalyses?: string
  analyses?: string
  json?: string
  html?: string
  workers: number
  calibration: string
}

interface PadEvalValues {
  dataset?: string
  fromAnalyses?: string
  analyses?: string
  json?: string
  html?: string
  workers?: number
  calibration?: string
}

/** Pure: the command's values to the run's arguments; throws an Error naming the flag on bad usage. */
export function padEvalArgsFrom(values: PadEvalValues, defaultWorkers = cpus().length): PadEvalArgs {
  if (!values.fromAnalyses && !values.dataset) throw new Error('--dataset DIR is required (or --from-analyses FILE)')
  return {
    ...(values.dataset ? { dataset: values.dataset } : {}),
    ...(values.fromAnalyses ? { fromAnalyses: values.fromAnalyses } : {}),
    ...(values.analyses ? { analyses: values.analyses } : {}),
    ...(values.json ? { json: values.json } : {}),
    ...(values.html ? { html: values.html } : {}),
    workers: values.workers ?? Math.max(1, defaultWorkers),
    calibration: values.calibration ?? DEFAULT_CALIBRATION_PATH,
  }
}

export function padEvalCommand(): Command {
  return new Command('pad-eval')
    .summary('presentation-attack figures (ISO/IEC 30107-3) of the gate on a labelled PAD set')
    .description(
      'Runs every frame of a PAD set (manifest.json: [{ file, subject, presentation: bona-fide | attack, species }]) ' +
        'through the face stage and presentation check the kiosk uses, and reports APCER per species, BPCER, FTA ' +
        'and IAPMR with counts and 95% intervals; or re-scores a run saved with --analyses.\n\n' +
        'Exit codes: 0 done, 1 the run failed, 2 usage.',
    )
    .option('--dataset <dir>', 'PAD set folder with manifest.json')
    .option('--workers <n>', 'engine worker threads (default: one per core)', count(16))
    .option('--calibration <file>', 'thresholds to score with (default: models/calibration.json)')
    .option('--analyses <file>', "write every frame's engine output (to re-score later)")
    .addOption(
      new Option('--from-analyses <file>', 're-score a saved run instead of running the engine').conflicts([
        'dataset',
        'workers',
        'analyses',
      ]),
    )
    .option('--json <file>', 'write the report as JSON')
    .option('--html <file>', 'write the report as HTML with a DET curve per check')
    .action(
      commandAction(async (values: PadEvalValues, command: Command) => {
        let args: PadEvalArgs
        try {
          args = padEvalArgsFrom(values)
        } catch (error) {
          usageError(command, (error as Error).message)
        }
        const cli = ioOf(command)
        const io: CommandIo = { stdout: { write: (t) => cli.out(t) }, stderr: { write: (t) => cli.err(t) } }
        if (cli === processIo) Object.assign(io, { stderr: process.stderr })
        try {
          const summary = await runPadEval(args, io, parseFaceBackend(process.env.FACE_BACKEND))
          io.stdout.write(formatPadSummary(summary))
          return 0
        } catch (error) {
          const code = (error as { code?: string }).code
          io.stderr.write(`pad-eval failed${code ? ` (${code})` : ''}: ${(error as Error).message}\n`)
          return 1
        }
      }),
    )
}

/** Runs (or re-scores) and writes the requested files; returns the summary. */
export async function runPadEval(
  args: PadEvalArgs,
  io: CommandIo,
  backend: FaceBackend,
  startEngine?: StartEngine,
): Promise<PadSummary> {
  const calibration = loadCalibration(args.calibration)
  let analyses: PadAnalyses
  if (args.fromAnalyses) {
    analyses = decodePadAnalyses(await readFile(args.fromAnalyses, 'utf8'))
  } else {
    const progress = createProgress(io.stderr)
    try {
      analyses = await analysePadDataset({
        dataset: args.dataset!,
        workers: args.workers,
        backend,
        onProgress: progress.update,
        ...(startEngine ? { startEngine } : {}),
      })
    } finally {
      progress.end()
    }
  }
  assertCalibrationFor(calibration, analyses.model)
  if (args.analyses) {
    await writeOutput(args.analyses, encodePadAnalyses(analyses))
    io.stderr.write(`analyses written to ${args.analyses}\n`)
  }
  const report = buildPadReport(analyses.images, thresholdsFrom(calibration), {
    dataset: analyses.dataset,
    backend: analyses.backend,
    model: analyses.model,
    // Relative to the working directory: the report names the file, not the machine it was made on.
    calibration: path.relative(process.cwd(), args.calibration) || args.calibration,
    createdAt: new Date().toISOString(),
  })
  const summary = padSummary(report)
  if (args.json) {
    await writeJson(args.json, report)
    io.stderr.write(`report written to ${args.json}\n`)
  }
  if (args.html) {
    await writeOutput(args.html, padEvalHtml(summary))
    io.stderr.write(`HTML report written to ${args.html}\n`)
  }
  return summary
}

export function formatPadSummary(r: PadSummary): string {
  const line = (label: string, x: { k: number; n: number; rate: number | null }) =>
    `  ${label.padEnd(30)} ${pct(x.rate, 2).padStart(7)}  (${x.k}/${x.n})`
  const ci = (x: { ci95: { low: number; high: number } | null }) =>
    x.ci95 ? `  95% CI ${pct(x.ci95.low, 1)} to ${pct(x.ci95.high, 1)}` : ''
  const rows = [
    `PAD evaluation: ${r.frames.total} frames of ${r.frames.subjects} subjects, ${r.model.name} on ${r.backend}`,
    ...Object.entries(r.apcer).map(([s, x]) => line(`APCER ${s}`, x) + ci(x)),
    line('BPCER', r.bpcer) + ci(r.bpcer),
    `    by reason: ${Object.entries(r.bpcer.reasons)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    line('FTA (bona fide)', r.fta),
    line('MULTIPLE_FACES (bona fide)', r.multipleFaces.bonaFide),
    ...Object.entries(r.iapmr.species).map(([s, x]) => line(`IAPMR ${s}`, x) + ci(x)),
    line('genuine acceptance', r.genuineAcceptance),
    ...Object.entries(r.checks).flatMap(([name, c]) =>
      Object.entries(c.species).map(
        ([s, x]) =>
          `  ${name} vs ${s}: AUC ${x.auc.toFixed(3)}` +
          (x.operatingPoint
            ? `, alone at ${x.operatingPoint.threshold}: APCER ${pct(x.operatingPoint.apcer, 1)}, ` +
              `BPCER ${pct(x.operatingPoint.bpcer, 1)}`
            : ''),
      ),
    ),
  ]
  return rows.join('\n') + '\n'
}

/** Progress on stderr: a redrawn bar on a TTY, otherwise one line per 10%. */
function createProgress(stderr: CommandIo['stderr']) {
  const bar = new ProgressBar(stderr)
  const started = performance.now()
  let lastDecile = -1
  return {
    update: ({ done, total, noFace }: { done: number; total: number; noFace: number }) => {
      const share = done / total
      const elapsed = (performance.now() - started) / 1000
      if (bar.tty) {
        const eta = done > 0 ? (elapsed / done) * (total - done) : 0
        bar.draw(share, `${done}/${total} frames, no face ${noFace}, ETA ${eta.toFixed(0)} s `)
        return
      }
      const decile = Math.floor(share * 10)
      if (decile > lastDecile) {
        lastDecile = decile
        stderr.write(
          `pad-eval: ${decile * 10}% (${done}/${total} frames, no face ${noFace}, ${elapsed.toFixed(0)} s)\n`,
        )
      }
    },
    end: () => bar.end(),
  }
}
