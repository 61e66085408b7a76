// `simulate`: the command-line edge of the control-point simulation. Parses options, reads the optional
// load-test JSON, runs the pure simulation or a sweep, prints a report and writes the JSON / SVG files.
import { CodedError } from '../../lib/coded-error.ts'
import { pct } from '../../lib/format.ts'
import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
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

export const SIMULATE_USAGE = `usage: simulate [--seed N] [--hours H] [--arrivals-per-hour N | --profile a,b,c,...] [--share 0.32]
         [--contactless-gates N] [--conventional-gates N] [--counters N]
         [--contactless-sec S | --from-loadtest PATH.json [--walk-sec S]] [--conventional-sec S] [--counter-sec S]
         [--cv X] [--refer-rate X] [--counter-share X] [--pledge-sec S]
         [--sweep share=0.32,0.4,... | contactless-gates=10,20,... | arrivals=1,1.5,2,...]
         [--json PATH] [--svg PATH] [--metric ${SWEEP_METRICS.join('|')}]`

export interface CommandIo {
  out(text: string): void
  err(text: string): void
}

const processIo: CommandIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
}

class UsageError extends CodedError<'USAGE'> {
  constructor(message: string) {
    super('USAGE', message)
  }
}

/** Walking time added to a load test's kiosk latency to get gate occupancy (the 7 s press figure includes it). */
export const DEFAULT_LOADTEST_WALK_SEC = 3

export async function simulateCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        seed: { type: 'string', default: '1' },
        hours: { type: 'string', default: '4' },
        'arrivals-per-hour': { type: 'string' },
        profile: { type: 'string' },
        share: { type: 'string', default: '0.32' },
        'contactless-gates': { type: 'string', default: '12' },
        'conventional-gates': { type: 'string', default: '20' },
        counters: { type: 'string', default: '10' },
        'contactless-sec': { type: 'string' },
        'conventional-sec': { type: 'string', default: String(DEFAULT_SERVICE_SEC.conventional.mean) },
        'counter-sec': { type: 'string', default: String(DEFAULT_SERVICE_SEC.counter.mean) },
        cv: { type: 'string' },
        'walk-sec': { type: 'string' },
        'refer-rate': { type: 'string', default: String(DEFAULT_REFER_RATE) },
        'counter-share': { type: 'string', default: '0' },
        'pledge-sec': { type: 'string', default: String(DEFAULT_PLEDGE_SEC) },
        'from-loadtest': { type: 'string' },
        sweep: { type: 'string' },
        json: { type: 'string' },
        svg: { type: 'string' },
        metric: { type: 'string', default: 'withinPledge' },
        help: { type: 'boolean', default: false },
      },
    })
    if (values.help) {
      io.out(`${SIMULATE_USAGE}\n`)
      return 0
    }
    if (values['arrivals-per-hour'] !== undefined && values.profile !== undefined) {
      throw new UsageError('give either --arrivals-per-hour or --profile, not both')
    }
    if (values['from-loadtest'] !== undefined && values['contactless-sec'] !== undefined) {
      throw new UsageError('give either --contactless-sec or --from-loadtest, not both')
    }
    const metric = values.metric as SweepMetric
    if (!SWEEP_METRICS.includes(metric)) throw new UsageError(`--metric must be one of ${SWEEP_METRICS.join(', ')}`)
    if (values.svg !== undefined && values.sweep === undefined)
      throw new UsageError('--svg charts a sweep: add --sweep')

    let contactless = { mean: DEFAULT_SERVICE_SEC.contactless.mean, walkSec: 0 }
    let contactlessSource = 'default'
    if (values['contactless-sec'] !== undefined)
      contactless = { mean: num('contactless-sec', values['contactless-sec']), walkSec: 0 }
    if (values['from-loadtest'] !== undefined) {
      const p50Ms = await readLoadTestP50(values['from-loadtest'])
      const walkSec = values['walk-sec'] === undefined ? DEFAULT_LOADTEST_WALK_SEC : num('walk-sec', values['walk-sec'])
      contactless = { mean: p50Ms / 1000, walkSec }
      contactlessSource = `load test ${values['from-loadtest']}: p50 ${p50Ms.toFixed(0)} ms + ${walkSec} s walking`
    } else if (values['walk-sec'] !== undefined) {
      throw new UsageError('--walk-sec goes with --from-loadtest')
    }
    const cv = (kind: keyof typeof DEFAULT_SERVICE_SEC) =>
      values.cv === undefined ? DEFAULT_SERVICE_SEC[kind].cv : num('cv', values.cv)
    const config: ControlPointConfig = {
      seed: int('seed', values.seed!),
      hours: num('hours', values.hours!),
      arrivalsPerHour:
        values.profile !== undefined
          ? list('profile', values.profile)
          : [num('arrivals-per-hour', values['arrivals-per-hour'] ?? '12000')],
      contactlessShare: num('share', values.share!),
      gates: {
        contactless: int('contactless-gates', values['contactless-gates']!),
        conventional: int('conventional-gates', values['conventional-gates']!),
        counters: int('counters', values.counters!),
      },
      serviceSec: {
        contactless: { ...contactless, cv: cv('contactless') },
        conventional: { mean: num('conventional-sec', values['conventional-sec']!), cv: cv('conventional') },
        counter: { mean: num('counter-sec', values['counter-sec']!), cv: cv('counter') },
      },
      referRate: num('refer-rate', values['refer-rate']!),
      counterShare: num('counter-share', values['counter-share']!),
      pledgeSec: num('pledge-sec', values['pledge-sec']!),
    }
    validateConfig(config)

    if (values.sweep !== undefined) {
      const { param, sweepValues } = parseSweep(values.sweep)
      const rows = sweep(config, param, sweepValues)
      io.out(`${describeConfig(config, contactlessSource)}\n\n${formatSweepTable(rows)}\n`)
      if (values.json !== undefined)
        await writeFile(values.json, `${JSON.stringify({ config, param, rows }, null, 2)}\n`)
      if (values.svg !== undefined) await writeFile(values.svg, sweepToSvg(rows, metric))
      return 0
    }
    const started = performance.now()
    const result = simulateControlPoint(config)
    const wallSec = (performance.now() - started) / 1000
    io.out(`${describeConfig(config, contactlessSource)}\n\n${formatReport(config, result)}\n`)
    io.out(`(simulated ${fmtInt(result.arrivals)} passengers in ${wallSec.toFixed(2)} s wall time)\n`)
    if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify({ config, result }, null, 2)}\n`)
    return 0
  } catch (error) {
    const err = error as Error & { code?: string }
    if (error instanceof UsageError || err.code === 'SIM_BAD_CONFIG' || err.code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`simulate: ${err.message}\n${SIMULATE_USAGE}\n`)
      return 2
    }
    io.err(`simulate: ${err.message}\n`)
    return 1
  }
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

function num(name: string, text: string): number {
  const v = Number(text)
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got "${text}"`)
  return v
}

function int(name: string, text: string): number {
  const v = num(name, text)
  if (!Number.isInteger(v)) throw new UsageError(`--${name} must be an integer, got "${text}"`)
  return v
}

function list(name: string, text: string): number[] {
  return text.split(',').map((part) => num(name, part))
}

function parseSweep(text: string): { param: SweepParam; sweepValues: number[] } {
  const eq = text.indexOf('=')
  const param = text.slice(0, eq) as SweepParam
  if (eq < 0 || !SWEEP_PARAMS.includes(param))
    throw new UsageError(`--sweep must be one of ${SWEEP_PARAMS.map((p) => `${p}=...`).join(', ')}`)
  const sweepValues = list('sweep', text.slice(eq + 1))
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
      `${config.gates.conventional} conventional (${sec(s.conventional)}), ${config.gates.counters} counters (${sec(s.counter)}); cv ${s.contactless.cv}/${s.conventional.cv}/${s.counter.cv}`,
    `Contactless share ${pct(config.contactlessShare, 1)}, referred to counters ${pct(config.referRate ?? DEFAULT_REFER_RATE, 1)}` +
      (config.counterShare ? `, straight to counters ${pct(config.counterShare, 1)}` : ''),
  ].join('\n')
}

export function formatReport(config: ControlPointConfig, r: ControlPointResult): string {
  const queued = r.stillQueued.contactless + r.stillQueued.conventional + r.stillQueued.counter
  const inService = r.inService.contactless + r.inService.conventional + r.inService.counter
  const pledgeMin = (config.pledgeSec ?? DEFAULT_PLEDGE_SEC) / 60
  const met = r.withinPledge >= PLEDGE_TARGET ? 'met' : 'MISSED'
  const lines = [
    `Arrivals ${fmtInt(r.arrivals)} · finished ${fmtInt(r.finished)} · in service ${fmtInt(inService)} · still queued ${fmtInt(queued)} · referred ${fmtInt(r.referred)}`,
    `Throughput ${fmtInt(r.throughputPerHour)} passengers/h`,
    `Wait (min): p50 ${minutes(r.waitSec.p50)} · p95 ${minutes(r.waitSec.p95)} · p98 ${minutes(r.waitSec.p98)} · mean ${minutes(r.waitSec.mean)} · ${pct(r.waitedShare, 1)} queued at all`,
    `Pledge: ${pct(r.withinPledge, 1)} of finished passengers cleared within ${pledgeMin} min (target ${PLEDGE_TARGET * 100}%): ${met}` +
      (r.overdueAtEnd > 0 ? `; ${fmtInt(r.overdueAtEnd)} still in the system past ${pledgeMin} min at the end` : ''),
    `Utilisation: contactless ${pct(r.utilisation.contactless, 1)} · conventional ${pct(r.utilisation.conventional, 1)} · counters ${pct(r.utilisation.counter, 1)}`,
    `Contactless share: ${pct(r.measuredContactlessShare, 1)} measured (configured ${pct(config.contactlessShare, 1)}; ImmD 32% first month, ~40% end 2022, >70% 2024)`,
    '',
    'hour  arrivals    served  p95 wait (min)  pledge',
    ...r.hourly.map(
      (h) =>
        `${String(h.hour).padStart(4)}  ${fmtInt(h.arrivals).padStart(8)}  ${fmtInt(h.served).padStart(8)}  ${minutes(h.waitP95Sec).padStart(14)}  ${pct(h.withinPledge, 1).padStart(6)}`,
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
