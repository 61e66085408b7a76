// `pad-eval` command: the presentation-attack figures (ISO/IEC 30107-3) of the gate's face stage on a labelled
// dataset of bona fide and attack frames.
//   --dataset DIR [--json F] [--html F] [--workers N] [--calibration F] [--analyses F]
//   --from-analyses F [--json F] [--html F] [--calibration F]     (re-score a previous run, no engine)
// Exit codes: 0 done, 1 the run failed, 2 usage error.

import { cpus } from 'node:os'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
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

export const PAD_EVAL_USAGE =
  'usage: pad-eval --dataset DIR [--json F] [--html F] [--workers N] [--calibration F] [--analyses F]\n' +
  '       pad-eval --from-analyses F [--json F] [--html F] [--calibration F]\n'

export interface PadEvalArgs {
  dataset?: string
  fromAnalyses?: string
  analyses?: string
  json?: string
  html?: string
  workers: number
  calibration: string
}

/** Pure: argv to options; throws an Error with the problem on bad usage. */
export function parsePadEvalArgs(argv: string[], defaultWorkers = cpus().length): PadEvalArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      dataset: { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      workers: { type: 'string' },
      calibration: { type: 'string' },
      analyses: { type: 'string' },
      'from-analyses': { type: 'string' },
    },
  })
  const from = values['from-analyses']
  if (from !== undefined) {
    for (const flag of ['dataset', 'workers', 'analyses'] as const)
      if (values[flag] !== undefined) throw new Error(`--${flag} does not apply with --from-analyses`)
  } else if (!values.dataset) throw new Error('--dataset is required (or --from-analyses F)')
  const workers = values.workers === undefined ? Math.max(1, defaultWorkers) : Number(values.workers)
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer`)
  return {
    ...(values.dataset ? { dataset: values.dataset } : {}),
    ...(from ? { fromAnalyses: from } : {}),
    ...(values.analyses ? { analyses: values.analyses } : {}),
    ...(values.json ? { json: values.json } : {}),
    ...(values.html ? { html: values.html } : {}),
    workers,
    calibration: values.calibration ?? DEFAULT_CALIBRATION_PATH,
  }
}

export async function padEvalCommand(
  argv: string[],
  io: CommandIo = process,
  backend: FaceBackend = 'onnx',
  startEngine?: StartEngine,
): Promise<number> {
  let args: PadEvalArgs
  try {
    args = parsePadEvalArgs(argv)
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n${PAD_EVAL_USAGE}`)
    return 2
  }
  try {
    const summary = await runPadEval(args, io, backend, startEngine)
    io.stdout.write(formatPadSummary(summary))
    return 0
  } catch (error) {
    const code = (error as { code?: string }).code
    io.stderr.write(`pad-eval failed${code ? ` (${code})` : ''}: ${(error as Error).message}\n`)
    return 1
  }
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
