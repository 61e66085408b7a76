// The action of `kiosk-sim run --fixtures DIR`: the fixture passengers through one kiosk, each decision printed
// and logged, checked against the truth file. Exit 1 when a decision differs or the server refused events.
import path from 'node:path'
import { mkdir } from 'node:fs/promises'
import type { Command } from 'commander'
import { usageError, type CliIo } from '../../lib/cli/run-program.ts'
import { writeJson } from '../../lib/write-output.ts'
import type { FaceBackend } from '../../models/face-types.ts'
import { openDecisionLog } from '../decision-log.ts'
import { openKiosk, type RemoteServer } from '../kiosk.ts'
import { kioskOptions } from '../kiosk-options.ts'
import { recordRefused } from '../refused-events.ts'
import type { RunValues } from '../run-values.ts'
import { formatSummary } from '../run-summary.ts'
import { FixtureSetError, loadFixtureSet, type FixtureSet } from './fixture-set.ts'
import { PASSIVE_ONLY_NOTE, playFixtures } from './run-fixtures.ts'

export async function runFixturesCommand(
  values: RunValues,
  server: RemoteServer | 'embedded',
  io: CliIo,
  backend: FaceBackend,
  command: Command,
): Promise<number> {
  const set = await loadFixturesOrUsage(values.fixtures!, command)
  if (values.outbox) await mkdir(path.dirname(path.resolve(values.outbox)), { recursive: true })
  const kiosk = await openKiosk({
    ...kioskOptions(values),
    server,
    backend,
    ...(values.outbox ? { outboxPath: path.resolve(values.outbox) } : {}),
  })
  try {
    const { kioskId, controlPoint } = kiosk.deps.identity
    const log = openDecisionLog(values.log, { command: 'run', fixtures: values.fixtures, kioskId, controlPoint })
    io.out(
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
      io.out(
        `${mark} ${who} ${verdict.padEnd(34)} score ${score}  ${record.timings.totalMs.toFixed(0)} ms${expected}\n`,
      )
      log.write({ passengerId: passenger.id, ...record })
    })
    io.out(
      `\n${formatSummary(result.summary)}\nevents delivered ${result.eventsSent}/${result.records.length}\n` +
        `decision log ${log.file} (run ${log.runId})\n`,
    )
    const refused = recordRefused(kiosk.reporter.refused, result.records.length, log)
    if (refused) io.err(`kiosk-sim: ${refused}\n`)
    if (values.json) await writeJson(values.json, result.summary)
    const disagreed = result.summary.truth ? result.summary.truth.disagreed : 0
    return disagreed > 0 || refused ? 1 : 0
  } finally {
    await kiosk.close()
  }
}

/** Before anything starts: a wrong folder is one usage line, not an ENOENT after the engine and server came up. */
export async function loadFixturesOrUsage(dir: string, command: Command): Promise<FixtureSet> {
  try {
    return await loadFixtureSet(dir)
  } catch (error) {
    if (error instanceof FixtureSetError) usageError(command, `--fixtures ${error.message}`)
    throw error
  }
}
