// `simulate`: the command-line edge of the control-point simulation. Parses options, reads the optional
// load-test JSON, runs the pure simulation or a sweep, prints a report and writes the JSON / SVG files.
import { readFile, writeFile } from 'node:fs/promises'
import { Command, Option } from 'commander'
import { fraction, integerIn, listOf, numberIn, seconds } from '../../lib/cli/number-parsers.ts'
import { commandAction, ioOf, usageError, type CliIo } from '../../lib/cli/run-program.ts'
import { CodedError } from '../../lib/coded-error.ts'
import { pct } from '../../lib/format.ts'
import {
  DEFAULT_PLEDGE_SEC,
  DEFAULT_REFER_RATE,
  DEFAULT_SERVICE_SEC,
  PLEDGE_TARGET,
  resolveServiceSpecs,
  simulateControlPoint,
  validateConfig,
  type ControlPointConfig,
  type ControlPointResult,
} from './control-point.ts'
import {
  SWEEP_METRICS,
  SWEEP_PARAMS,
  sweep,
  sweepToSvg,
  type SweepMetric,
  type SweepParam,
  type SweepRow,
} from './sweep.ts'

interface SimulateValues {
  seed: number
  hours: number
  arrivalsPerHour?: number
  profile?: number[]
  share: number
  contactlessGates: number
  conventionalGates: number
  counters: number
  contactlessSec?: number
  conventionalSec: number
  counterSec: number
  cv?: number
  walkSec?: number
  referRate: number
  counterShare: number
  pledgeSec: number
  fromLoadtest?: string
  sweep?: string
  json?: string
  svg?: string
  metric: SweepMetric
}

class UsageError extends CodedError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message)
  }
}

/** Walking time added to a load test's kiosk latency to get gate occupancy (the 7 s press figure includes it). */
export const DEFAULT_LOADTEST_WALK_SEC = 3

const gates = integerIn({ min: 0, what: 'a number of gates' })

export function simulateCommand(): Command {
  return new Command('simulate')
    .summary('queues at a control point: passengers cleared within the pledge (pure simulation)')
    .description(
      'A discrete-event simulation of one control point: contactless gates, conventional gates and counters.\n\n' +
        'Exit codes: 0 done, 1 a file could not be written, 2 usage.',
    )
    .optionsGroup('Passengers:')
    .option('--seed <n>', 'random seed', integerIn(), 1)
    .option('--hours <h>', 'hours simulated', numberIn({ above: 0, max: 24 * 7, what: 'a number of hours' }), 4)
    .addOption(
      new Option('--arrivals-per-hour <n>', 'flat arrival rate (default 12000)')
        .argParser(numberIn({ above: 0 }))
        .conflicts('profile'),
    )
    .option('--profile <a,b,...>', 'arrivals per hour, hour by hour', listOf(numberIn({ min: 0 })))
    .option('--share <share>', 'contactless share of passengers', fraction, 0.32)
    .option('--counter-share <share>', 'share going straight to the counters', fraction, 0)
    .option(
      '--refer-rate <rate>',
      'share of contactless passengers referred to a counter',
      fraction,
      DEFAULT_REFER_RATE,
    )
    .optionsGroup('Gates and service times:')
    .option('--contactless-gates <n>', 'contactless gates', gates, 12)
    .option('--conventional-gates <n>', 'conventional gates', gates, 20)
    .option('--counters <n>', 'officer counters', gates, 10)
    .addOption(
      new Option('--contactless-sec <s>', `contactless service time (default ${DEFAULT_SERVICE_SEC.contactless.mean})`)
        .argParser(seconds)
        .conflicts('fromLoadtest'),
    )
    .option('--from-loadtest <file.json>', "contactless service time from a load test's p50 plus --walk-sec")
    .option(
      '--walk-sec <s>',
      `walking time added to --from-loadtest (default ${DEFAULT_LOADTEST_WALK_SEC})`,
      numberIn({ min: 0 }),
    )
    .option('--conventional-sec <s>', 'conventional service time', seconds, DEFAULT_SERVICE_SEC.conventional.mean)
    .option('--counter-sec <s>', 'counter service time', seconds, DEFAULT_SERVICE_SEC.counter.mean)
    .option('--cv <x>', 'coefficient of variation of every service time', numberIn({ min: 0 }))
    .option('--pledge-sec <s>', 'the pledge: cleared within this many seconds', seconds, DEFAULT_PLEDGE_SEC)
    .optionsGroup('Sweep and output:')
    .option('--sweep <param=v1,v2,...>', `one parameter over values: ${SWEEP_PARAMS.map((p) => `${p}=...`).join(', ')}`)
    .option('--json <file>', 'write the configuration and result as JSON')
    .option('--svg <file>', 'chart the sweep as SVG (needs --sweep)')
    .addOption(new Option('--metric <name>', 'metric charted by --svg').choices(SWEEP_METRICS).default('withinPledge'))
    .action(
      commandAction(async (values: SimulateValues, command: Command) => {
        try {
          return await simulate(values, ioOf(command))
        } catch (error) {
          const err = error as Error & { code?: string }
          if (error instanceof UsageError || err.code === 'SIM_BAD_CONFIG') usageError(command, err.message)
          throw error
        }
      }),
    )
}

async function simulate(values: SimulateValues, io: CliIo): Promise<number> {
  if (values.svg !== undefined && values.sweep === undefined) throw new UsageError('--svg charts a sweep: add --sweep')
  let contactless = { mean: DEFAULT_SERVICE_SEC.contactless.mean, walkSec: 0 }
  let contactlessSource = 'default'
  if (values.contactlessSec !== undefined) contactless = { mean: values.contactlessSec, walkSec: 0 }
  if (values.fromLoadtest !== undefined) {
    const p50Ms = await readLoadTestP50(values.fromLoadtest)
    const walkSec = values.walkSec ?? DEFAULT_LOADTEST_WALK_SEC
    contactless = { mean: p50Ms / 1000, walkSec }
    contactlessSource = `load test ${values.fromLoadtest}: p50 ${p50Ms.toFixed(0)} ms + ${walkSec} s walking`
  } else if (values.walkSec !== undefined) {
    throw new UsageError('--walk-sec goes with --from-loadtest')
  }
  const cv = (kind: keyof typeof DEFAULT_SERVICE_SEC) => values.cv ?? DEFAULT_SERVICE_SEC[kind].cv
  const config: ControlPointConfig = {
    seed: values.seed,
    hours: values.hours,
    arrivalsPerHour: values.profile ?? [values.arrivalsPerHour ?? 12000],
    contactlessShare: values.share,
    gates: { contactless: values.contactlessGates, conventional: values.conventionalGates, counters: values.counters },
    serviceSec: {
      contactless: { ...contactless, cv: cv('contactless') },
      conventional: { mean: values.conventionalSec, cv: cv('conventional') },
      counter: { mean: values.counterSec, cv: cv('counter') },
    },
    referRate: values.referRate,
    counterShare: values.counterShare,
    pledgeSec: values.pledgeSec,
  }
  validateConfig(config)

  if (values.sweep !== undefined) {
    const { param, sweepValues } = parseSweep(values.sweep)
    const rows = sweep(config, param, sweepValues)
    io.out(`${describeConfig(config, contactlessSource)}\n\n${formatSweepTable(rows)}\n`)
    if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify({ config, param, rows }, null, 2)}\n`)
    if (values.svg !== undefined) await writeFile(values.svg, sweepToSvg(rows, values.metric))
    return 0
  }
  const started = performance.now()
  const result = simulateControlPoint(config)
  const wallSec = (performance.now() - started) / 1000
  io.out(`${describeConfig(config, contactlessSource)}\n\n${formatReport(config, result)}\n`)
  io.out(`(simulated ${fmtInt(result.arrivals)} passengers in ${wallSec.toFixed(2)} s wall time)\n`)
  if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify({ config, result }, null, 2)}\n`)
  return 0
}

async function readLoadTestP50(file: string): Promise<number> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read load-test file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UsageError(`load-test file ${file} is not JSON`)
  }
  const p50 = (parsed as { latencyMs?: { total?: { p50?: unknown } } } | null)?.latencyMs?.total?.p50
  if (typeof p50 !== 'number' || !(p50 > 0))
    throw new UsageError(`load-test file ${file} has no positive latencyMs.total.p50`)
  return p50
}

function parseSweep(text: string): { param: SweepParam; sweepValues: number[] } {
  const eq = text.indexOf('=')
  const param = text.slice(0, eq) as SweepParam
  if (eq < 0 || !SWEEP_PARAMS.includes(param))
    throw new UsageError(`--sweep must be one of ${SWEEP_PARAMS.map((p) => `${p}=...`).join(', ')}`)
  const sweepValues = text
    .slice(eq + 1)
    .split(',')
    .map((part) => {
      const v = Number(part)
      if (part.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--sweep: "${part}" is not a number`)
      return v
    })
  if (param === 'contactless-gates' && sweepValues.some((v) => !Number.isInteger(v)))
    throw new UsageError('gate counts must be integers')
  return { param, sweepValues }
}

const fmtInt = (v: number) => Math.round(v).toLocaleString('en-GB')
const minutes = (sec: number) => (Number.isFinite(sec) ? (sec / 60).toFixed(2) : 'n/a')

function describeConfig(config: ControlPointConfig, contactlessSource: string): string {
  const s = resolveServiceSpecs(config)
  const profile = config.arrivalsPerHour
  const arrivals =
    profile.length === 1
      ? `${fmtInt(profile[0]!)} passengers/h (flat)`
      : `hourly profile ${profile.map(fmtInt).join(', ')} passengers/h`
  const sec = (spec: { mean: number; walkSec: number }) => `${(spec.mean + spec.walkSec).toFixed(1)} s`
  return [
    `Control point: ${config.hours} h, ${arrivals}, seed ${config.seed}`,
    `Gates: ${config.gates.contactless} contactless (${sec(s.contactless)}, ${contactlessSource}), ` +
      `${config.gates.conventional} conventional (${sec(s.conventional)}), ` +
      `${config.gates.counters} counters (${sec(s.counter)}); ` +
      `cv ${s.contactless.cv}/${s.conventional.cv}/${s.counter.cv}`,
    `Contactless share ${pct(config.contactlessShare, 1)}, ` +
      `referred to counters ${pct(config.referRate ?? DEFAULT_REFER_RATE, 1)}` +
      (config.counterShare ? `, straight to counters ${pct(config.counterShare, 1)}` : ''),
  ].join('\n')
}

export function formatReport(config: ControlPointConfig, r: ControlPointResult): string {
  const queued = r.stillQueued.contactless + r.stillQueued.conventional + r.stillQueued.counter
  const inService = r.inService.contactless + r.inService.conventional + r.inService.counter
  const pledgeMin = (config.pledgeSec ?? DEFAULT_PLEDGE_SEC) / 60
  const met = r.withinPledge >= PLEDGE_TARGET ? 'met' : 'MISSED'
  const lines = [
    `Arrivals ${fmtInt(r.arrivals)} · finished ${fmtInt(r.finished)} · in service ${fmtInt(inService)} · ` +
      `still queued ${fmtInt(queued)} · referred ${fmtInt(r.referred)}`,
    `Throughput ${fmtInt(r.throughputPerHour)} passengers/h`,
    `Wait (min): p50 ${minutes(r.waitSec.p50)} · p95 ${minutes(r.waitSec.p95)} · p98 ${minutes(r.waitSec.p98)} · ` +
      `mean ${minutes(r.waitSec.mean)} · ${pct(r.waitedShare, 1)} queued at all`,
    `Pledge: ${pct(r.withinPledge, 1)} of finished passengers cleared within ${pledgeMin} min ` +
      `(target ${PLEDGE_TARGET * 100}%): ${met}` +
      (r.overdueAtEnd > 0 ? `; ${fmtInt(r.overdueAtEnd)} still in the system past ${pledgeMin} min at the end` : ''),
    `Utilisation: contactless ${pct(r.utilisation.contactless, 1)} · ` +
      `conventional ${pct(r.utilisation.conventional, 1)} · counters ${pct(r.utilisation.counter, 1)}`,
    `Contactless share: ${pct(r.measuredContactlessShare, 1)} measured ` +
      `(configured ${pct(config.contactlessShare, 1)}; ImmD 32% first month, ~40% end 2022, >70% 2024)`,
    '',
    'hour  arrivals    served  p95 wait (min)  pledge',
    ...r.hourly.map(
      (h) =>
        `${String(h.hour).padStart(4)}  ${fmtInt(h.arrivals).padStart(8)}  ${fmtInt(h.served).padStart(8)}  ` +
        `${minutes(h.waitP95Sec).padStart(14)}  ${pct(h.withinPledge, 1).padStart(6)}`,
    ),
  ]
  return lines.join('\n')
}

export function formatSweepTable(rows: readonly SweepRow[]): string {
  const param = rows[0]?.param ?? 'value'
  const header = [
    param === 'arrivals' ? 'arrivals x' : param,
    'arrivals',
    'thru/h',
    'p50 min',
    'p95 min',
    'p98 min',
    'pledge',
    'overdue',
    'backlog',
    'util cl',
    'util conv',
    'util ctr',
    'share',
  ]
  const body = rows.map((r) => [
    String(r.value),
    fmtInt(r.arrivals),
    fmtInt(r.throughputPerHour),
    minutes(r.waitP50Sec),
    minutes(r.waitP95Sec),
    minutes(r.waitP98Sec),
    pct(r.withinPledge, 1),
    fmtInt(r.overdueAtEnd),
    fmtInt(r.backlog),
    pct(r.utilContactless, 1),
    pct(r.utilConventional, 1),
    pct(r.utilCounter, 1),
    pct(r.measuredContactlessShare, 1),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ')
  return [line(header), ...body.map(line)].join('\n')
}
