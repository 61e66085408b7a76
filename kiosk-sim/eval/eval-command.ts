// `eval` command: runs the face accuracy evaluation, prints a summary, writes JSON / SVG on request,
// and can gate CI on FNMR at FMR 0.1%.
// --from-embeddings re-scores a cache without the engine. Exit codes: 0 done (and gate passed), 1 gate failed or the
// run failed, 2 usage error.

import { readFile } from 'node:fs/promises'
import { Command, Option } from 'commander'
import type { FaceBackend } from '../../models/face-types.ts'
import { count, fraction } from '../../lib/cli/number-parsers.ts'
import { commandAction, ioOf, processIo, usageError } from '../../lib/cli/run-program.ts'
import { parseFaceBackend } from '../../models/face-backend.ts'
import { pct } from '../../lib/format.ts'
import { ProgressBar } from '../../lib/progress-bar.ts'
import { writeOutput } from '../../lib/write-output.ts'
import { renderDetSvg } from '../../models/eval/det-plot.ts'
import { decodeEmbeddingCache, encodeEmbeddingCache } from '../../models/eval/embedding-cache.ts'
import {
  REPORT_FMR_TARGETS,
  rescoreFromCache,
  runEvalDetailed,
  toEmbeddingCache,
  type EvalProgress,
  type EvalReport,
  type EvalRun,
} from './run-eval.ts'

export interface CommandIo {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown; isTTY?: boolean; columns?: number }
}

/** The gate's operating point: FNMR at FMR 0.1%. */
const GATE_FMR = '0.001'

export interface EvalArgs {
  /** Absent when re-scoring a cache. */
  dataset?: string
  /** Write per-image results and embeddings here. */
  embeddings?: string
  /** Re-score this cache instead of running the engine. */
  fromEmbeddings?: string
  limit?: number
  workers: number
  json?: string
  plot?: string
  maxFnmr?: number
}

interface EvalValues {
  dataset?: string
  limit?: number
  workers?: number
  json?: string
  plot?: string
  maxFnmrAtFmr?: number
  embeddings?: string
  fromEmbeddings?: string
}

export function evalCommand(): Command {
  return new Command('eval')
    .summary('face accuracy on a labelled dataset: FTA, EER, FNMR at FMR, DET curve')
    .description(
      'Measures the face engine on a dataset folder (manifest.json lists { file, identity }; see README), ' +
        'or re-scores a cache of embeddings written earlier with --embeddings.\n\n' +
        'Exit codes: 0 done (and the gate passed), 1 the gate failed or the run failed, 2 usage.',
    )
    .option('--dataset <dir>', 'dataset folder with manifest.json: [{ file, identity }], files relative to it')
    .option('--limit <n>', 'evaluate a seeded subset of this many images', count())
    .option('--workers <n>', 'engine worker threads', count(16), 2)
    .option('--json <file>', 'write the report as JSON')
    .option('--plot <file.svg>', 'write the DET curve as SVG')
    .option('--max-fnmr-at-fmr <x>', 'gate: fail (exit 1) when FNMR at FMR 0.1% is above this fraction', fraction)
    .option('--embeddings <file>', 'write per-image results and embeddings (a cache to re-score later)')
    .addOption(
      new Option('--from-embeddings <file>', 're-score a cache instead of running the engine').conflicts([
        'dataset',
        'limit',
        'workers',
        'embeddings',
      ]),
    )
    .action(
      commandAction(async (values: EvalValues, command: Command) => {
        if (!values.fromEmbeddings && !values.dataset)
          usageError(command, '--dataset DIR is required (or --from-embeddings FILE)')
        const cli = ioOf(command)
        const io: CommandIo =
          cli === processIo ? process : { stdout: { write: (s) => cli.out(s) }, stderr: { write: (s) => cli.err(s) } }
        const args: EvalArgs = {
          dataset: values.dataset,
          limit: values.limit,
          workers: values.workers ?? 2,
          json: values.json,
          plot: values.plot,
          maxFnmr: values.maxFnmrAtFmr,
          embeddings: values.embeddings,
          fromEmbeddings: values.fromEmbeddings,
        }
        return runEval(args, io, values.fromEmbeddings ? undefined : parseFaceBackend(process.env.FACE_BACKEND))
      }),
    )
}

/** Runs the evaluation (or re-scores a cache), prints the summary, writes the files; resolves with the exit code. */
export async function runEval(args: EvalArgs, io: CommandIo = process, backend?: FaceBackend): Promise<number> {
  const progress = createProgress(io.stderr)
  let run
  try {
    run = args.fromEmbeddings
      ? rescoreFromCache(decodeEmbeddingCache(await readFile(args.fromEmbeddings, 'utf8')))
      : await runEvalDetailed({
          dataset: args.dataset!,
          limit: args.limit,
          workers: args.workers,
          ...(backend ? { backend } : {}),
          onProgress: progress.update,
        })
  } catch (error) {
    progress.end()
    io.stderr.write(`evaluation failed: ${(error as Error).message}\n`)
    return 1
  } finally {
    progress.end()
  }
  const { report } = run
  io.stdout.write(formatSummary(report))

  if (args.embeddings) {
    await writeOutput(args.embeddings, encodeEmbeddingCache(toEmbeddingCache(run)))
    io.stderr.write(`embeddings written to ${args.embeddings}\n`)
  }
  if (args.json) {
    await writeOutput(args.json, JSON.stringify(report, null, 2) + '\n')
    io.stderr.write(`report written to ${args.json}\n`)
  }
  if (args.plot) {
    await writeOutput(args.plot, detSvg(run))
    io.stderr.write(`DET curve written to ${args.plot}\n`)
  }
  if (args.maxFnmr !== undefined) {
    const fnmr = report.fnmrAtFmr[GATE_FMR].fnmr
    if (fnmr > args.maxFnmr) {
      io.stderr.write(`gate FAILED: FNMR at FMR 0.1% is ${rate(fnmr)}, above the allowed ${rate(args.maxFnmr)}\n`)
      return 1
    }
    io.stderr.write(`gate passed: FNMR at FMR 0.1% is ${rate(fnmr)} <= ${rate(args.maxFnmr)}\n`)
  }
  return 0
}

/** The run's DET curve with its FNMR at FMR 1e-2, 1e-3 and 1e-4 marked. */
export function detSvg({ report, metrics }: EvalRun): string {
  return renderDetSvg({
    title:
      `DET: ${report.model.name} ${report.model.version}, cosine, ` +
      `${report.images} images of ${report.identities} people`,
    series: [{ label: `${report.model.name} + cosine`, points: metrics.detCurve(300) }],
    marks: REPORT_FMR_TARGETS.map((key) => ({ fmr: Number(key), fnmr: report.fnmrAtFmr[key].fnmr })),
  })
}

export function formatSummary(r: EvalReport): string {
  const rows: string[] = []
  rows.push(`Face accuracy: ${r.model.name} ${r.model.version}, ${r.scoring} scoring`)
  rows.push(`  dataset      ${r.dataset}${r.subset ? ` (subset: limit ${r.subset.limit}, seed ${r.subset.seed})` : ''}`)
  rows.push(`  images       ${r.images} of ${r.identities} identities`)
  const reasons = Object.entries(r.fta.reasons)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')
  rows.push(`  FTA          ${rate(r.fta.rate)} (${r.fta.count}${reasons ? `: ${reasons}` : ''})`)
  rows.push(
    `  pairs        genuine ${r.pairs.genuine}, impostor ${r.pairs.impostor}` +
      (r.pairs.impostorSampled ? ` (sampled of ${r.pairs.impostorAvailable})` : ''),
  )
  rows.push(`  EER          ${rate(r.eer.eer)} at threshold ${r.eer.threshold.toFixed(4)}`)
  rows.push(`  AUC          ${r.auc.toFixed(5)}`)
  rows.push('')
  rows.push('  target FMR   FNMR      95% CI (Wilson)      threshold   measured FMR')
  for (const key of REPORT_FMR_TARGETS) {
    const x = r.fnmrAtFmr[key]
    const ci = `[${rate(x.ciLow)}, ${rate(x.ciHigh)}]`
    rows.push(
      `  ${rate(Number(key)).padEnd(12)} ${rate(x.fnmr).padEnd(9)} ${ci.padEnd(20)} ` +
        `${x.threshold.toFixed(4).padEnd(11)} ${pct(x.fmr, 4)}`,
    )
  }
  rows.push('')
  const thresholds = Object.keys(r.antispoof.bpcerAt)
  rows.push(`  BPCER at     ${thresholds.map((t) => t.padStart(6)).join('')}`)
  rows.push(
    `  antispoof    ${thresholds.map((t) => pct(r.antispoof.bpcerAt[t]!, 1).padStart(6)).join('')}  ` +
      `(${r.antispoof.images} bona fide)`,
  )
  rows.push(
    `  liveness     ${thresholds.map((t) => pct(r.liveness.bpcerAt[t]!, 1).padStart(6)).join('')}  ` +
      `(${r.liveness.images} bona fide)`,
  )
  rows.push('')
  const t = r.timing
  rows.push(
    `  model time   ${t.msPerImageMedian.toFixed(0)} ms/image median, ${t.msPerImageP95.toFixed(0)} ms p95 ` +
      '(detect + embed + liveness, in one worker)',
  )
  rows.push(
    `  run time     ${t.totalSeconds.toFixed(1)} s with ${t.workers} workers: ` +
      `${t.imagesPerSecond.toFixed(1)} images/s, ${t.workerMsPerImage.toFixed(0)} worker-ms/image`,
  )
  return rows.join('\n') + '\n'
}

/** Progress on stderr: a redrawn bar on a TTY, otherwise one line per 10%. */
function createProgress(stderr: CommandIo['stderr']): { update: (p: EvalProgress) => void; end: () => void } {
  const started = performance.now()
  const bar = new ProgressBar(stderr)
  let lastDecile = -1
  return {
    update: ({ done, total, fta }) => {
      const share = done / total
      const elapsed = (performance.now() - started) / 1000
      const eta = done > 0 ? (elapsed / done) * (total - done) : 0
      if (bar.tty) {
        bar.draw(share, `${(share * 100).toFixed(0).padStart(3)}% ${done}/${total} FTA ${fta} ETA ${eta.toFixed(0)}s `)
      } else {
        const decile = Math.floor(share * 10)
        if (decile > lastDecile) {
          lastDecile = decile
          stderr.write(`eval: ${decile * 10}% (${done}/${total} images, FTA ${fta}, ${elapsed.toFixed(0)} s)\n`)
        }
      }
    },
    end: () => bar.end(),
  }
}

/** An error rate: a third decimal below 1% (an FMR of 0.1% needs it). */
function rate(p: number): string {
  return pct(p, p !== 0 && p < 0.01 ? 3 : 2)
}
