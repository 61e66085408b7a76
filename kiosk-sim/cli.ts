#!/usr/bin/env node
// kiosk-sim: the gate's command line. `run` plays passengers through a kiosk; `eval` measures face accuracy.
import { appendFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { writeJson } from '../lib/write-output.ts'
import { openKiosk } from './kiosk.ts'
import { KIOSK_OPTIONS, kioskOptions, kioskServer } from './kiosk-options.ts'
import { parseFaceBackend } from '../models/face-backend.ts'
import type { FaceBackend } from '../models/face-types.ts'
import { formatSummary } from './run-summary.ts'
import { loadFixtureSet } from './scenario/fixture-set.ts'
import { PASSIVE_ONLY_NOTE, playFixtures } from './scenario/run-fixtures.ts'

const USAGE = `usage:
  kiosk-sim run (--server URL --operator-key KEY --kiosk-key KEY | --embedded) --fixtures DIR
                [--kiosk-id ID] [--control-point CP] [--log FILE.jsonl] [--json FILE]
                [--issuer ISS] [--audience AUD] [--calibration FILE] [--outbox FILE.db (offline mode: durable outbox, synced at the end)]
  kiosk-sim run (--camera /dev/video0 | --video FILE[,FILE..] | --video DIR --fixtures DIR) (--server URL --kiosk-key KEY | --embedded)
                [--fps 10] [--width 640 --height 480] [--frames-to-fuse 3] [--face-window 4] [--hold 2] (see live/live-command.ts)
  kiosk-sim loadtest (--embedded | --server URL[,URL] --operator-key K --kiosk-keys id:key,..) [--kiosks N]
                     [--duration S | --passengers N] [--mix genuine=..,impostor=..] [--contactless-share 0.32] [--json P] [--html P]
  kiosk-sim simulate [--hours H] [--arrivals-per-hour N | --profile a,b,..] [--share S] [--contactless-gates N]
                     [--conventional-gates N] [--counters N] [--sweep share=0.32,0.5,0.7] [--json PATH] [--svg PATH]
  kiosk-sim serve (--server URL --kiosk-key KEY | --embedded) [--port P] [--kiosk-id ID] (live kiosk for the /kiosk screen)
  kiosk-sim eval --dataset DIR [--limit N] [--workers N] [--json PATH] [--plot PATH.svg] [--max-fnmr-at-fmr X]
  kiosk-sim pad-eval --dataset DIR [--json F] [--html F] [--workers N] [--calibration F] [--analyses F]
                     (or --from-analyses F: re-score a previous run without the engine)`

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  const backend = parseFaceBackend(process.env.FACE_BACKEND)
  if (command === 'run' && rest.some((a) => /^--(camera|video)(=|$)/.test(a))) {
    const { liveCommand } = await import('./live/live-command.ts')
    return liveCommand(rest, backend)
  }
  if (command === 'run') return runCommand(rest, backend)
  if (command === 'loadtest') {
    const { loadtestCommand } = await import('./loadtest/loadtest-command.ts')
    return loadtestCommand(rest, backend)
  }
  if (command === 'simulate') {
    const { simulateCommand } = await import('./simulation/simulate-command.ts')
    return simulateCommand(rest)
  }
  if (command === 'serve') {
    const { serveCommand } = await import('./serve/serve-command.ts')
    return serveCommand(rest, backend)
  }
  if (command === 'eval') {
    const { evalCommand } = await import('./eval/eval-command.ts')
    return evalCommand(rest, process, backend)
  }
  if (command === 'pad-eval') {
    const { padEvalCommand } = await import('./pad-eval/pad-eval-command.ts')
    return padEvalCommand(rest, process, backend)
  }
  process.stderr.write(`${USAGE}\n`)
  return 2
}

async function runCommand(argv: string[], backend: FaceBackend): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...KIOSK_OPTIONS,
      outbox: { type: 'string' },
    },
  })
  if (!values.fixtures || (!values.server && !values.embedded)) {
    process.stderr.write(`${USAGE}\n`)
    return 2
  }
  const server = kioskServer(values)
  if (!server || (server !== 'embedded' && !server.operatorKey))
    throw new Error('--operator-key and --kiosk-key are required with --server')
  const set = await loadFixtureSet(values.fixtures)
  await mkdir(path.dirname(path.resolve(values.log!)), { recursive: true })
  if (values.outbox) await mkdir(path.dirname(path.resolve(values.outbox)), { recursive: true })
  const kiosk = await openKiosk({
    ...kioskOptions(values),
    server,
    backend,
    ...(values.outbox ? { outboxPath: path.resolve(values.outbox) } : {}),
  })
  try {
    const { kioskId, controlPoint } = kiosk.deps.identity
    process.stdout.write(
      `kiosk ${kioskId} at ${controlPoint} -> ${kiosk.serverUrl} (${set.passengers.length} passengers)\n` +
        `${PASSIVE_ONLY_NOTE}\n`,
    )
    const result = await playFixtures(set, kiosk, (record, passenger) => {
      const verdict = record.reason ? `${record.decision}(${record.reason})` : record.decision
      const want = passenger.expected.reason
        ? `${passenger.expected.decision}(${passenger.expected.reason})`
        : passenger.expected.decision
      const mark = verdict === want ? 'ok  ' : 'DIFF'
      const score = record.score?.toFixed(3) ?? '  -  '
      const who = `${passenger.id.padEnd(4)} ${passenger.scenario.padEnd(9)}`
      const expected = mark === 'DIFF' ? `  expected ${want}` : ''
      process.stdout.write(
        `${mark} ${who} ${verdict.padEnd(34)} score ${score}  ${record.timings.totalMs.toFixed(0)} ms${expected}\n`,
      )
      appendFileSync(values.log!, `${JSON.stringify({ passengerId: passenger.id, ...record })}\n`)
    })
    process.stdout.write(
      `\n${formatSummary(result.summary)}\nevents delivered ${result.eventsSent}/${result.records.length}\n`,
    )
    if (values.json) await writeJson(values.json, result.summary)
    return result.summary.truth && result.summary.truth.disagreed > 0 ? 1 : 0
  } finally {
    await kiosk.close()
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`kiosk-sim: ${error.message}\n`)
    process.exit(1)
  },
)
