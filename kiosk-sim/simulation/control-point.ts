// Discrete-event simulation of one control point: contactless e-Channels, conventional e-Channels and
// counters, one FIFO queue per gate type (multi-server). Pure: plain config in, plain result out.
import { CodedError } from '../../lib/coded-error.ts'
import { percentileOfSorted } from '../../lib/percentiles.ts'
import { createRng, nextPiecewisePoisson, sampleServiceTime, type ServiceTimeSpec } from './random.ts'

export const GATE_KINDS = ['contactless', 'conventional', 'counter'] as const
export type GateKind = (typeof GATE_KINDS)[number]
export type ByGate<T = number> = Record<GateKind, T>

/** Service time at a gate: a draw by mean and cv, plus a fixed walking time (seconds) that also holds the gate. */
export interface ServiceSpec extends ServiceTimeSpec {
  walkSec?: number
}

export interface ControlPointConfig {
  seed: number
  /** Simulated duration. Arrivals stop at the end; whoever is still queued or in service is counted as such. */
  hours: number
  /** Passengers per hour, hour by hour (the list repeats). Poisson arrivals at a constant rate within each hour. */
  arrivalsPerHour: readonly number[]
  /** Share of e-Channel passengers enrolled for the contactless e-Channel. */
  contactlessShare: number
  gates: { contactless: number; conventional: number; counters: number }
  serviceSec?: Partial<ByGate<ServiceSpec>>
  /** Share of e-Channel passengers rejected or referred, who then queue again at the counters. */
  referRate?: number
  /** Share of arrivals who go straight to a counter (default 0: every arrival is an e-Channel passenger). */
  counterShare?: number
  pledgeSec?: number
}

export const DEFAULT_SERVICE_SEC: ByGate<ServiceSpec> = {
  contactless: { mean: 7, cv: 0.3 },
  conventional: { mean: 8, cv: 0.3 },
  counter: { mean: 45, cv: 0.6 },
}
export const DEFAULT_REFER_RATE = 0.02
export const DEFAULT_PLEDGE_SEC = 900
/** ImmD pledge: 98% of residents cleared within 15 minutes. */
export const PLEDGE_TARGET = 0.98

export class SimulationConfigError extends CodedError<'SIM_BAD_CONFIG'> {
  constructor(message: string) {
    super('SIM_BAD_CONFIG', message)
  }
}

export interface HourRow {
  hour: number
  arrivals: number
  /** Final service completions during this hour. */
  served: number
  /** 95th percentile wait of this hour's arrivals whose final service has started. */
  waitP95Sec: number
  /** Share of this hour's arrivals who finished, cleared within the pledge. */
  withinPledge: number
}

export interface ControlPointResult {
  simulatedSec: number
  arrivals: number
  /** The first queue each arrival joined. */
  routed: ByGate
  referred: number
  /** Final completions (a referred passenger counts once, at the counter). */
  served: ByGate
  finished: number
  stillQueued: ByGate
  inService: ByGate
  /** Queue time summed over both queues for referred passengers, over everyone whose final service has started. */
  waitSec: { mean: number; p50: number; p95: number; p98: number }
  /** Share of those passengers who queued at all (for M/M/c: Erlang C). */
  waitedShare: number
  /** Share of finished passengers whose arrival-to-clearance time was within pledgeSec. */
  withinPledge: number
  /** Passengers still queued or in service at the end who had already been there longer than pledgeSec:
   * sure misses that withinPledge (finished passengers only) cannot see in an overloaded run. */
  overdueAtEnd: number
  utilisation: ByGate
  throughputPerHour: number
  /** Contactless share of e-Channel gate passages (referred passengers included). */
  measuredContactlessShare: number
  hourly: HourRow[]
}

interface Passenger {
  arrival: number
  route: number
  referred: boolean
  secondStage: boolean
  service: number
  counterService: number
  waited: number
  queuedAt: number
}

interface Departure {
  t: number
  seq: number
  gate: number
  pax: Passenger
}

const CONTACTLESS = 0
const CONVENTIONAL = 1
const COUNTER = 2

export function resolveServiceSpecs(config: ControlPointConfig): ByGate<Required<ServiceSpec>> {
  const resolve = (kind: GateKind): Required<ServiceSpec> => {
    const spec = { ...DEFAULT_SERVICE_SEC[kind], ...config.serviceSec?.[kind] }
    return { mean: spec.mean, cv: spec.cv, dist: spec.dist ?? 'gamma', walkSec: spec.walkSec ?? 0 }
  }
  return { contactless: resolve('contactless'), conventional: resolve('conventional'), counter: resolve('counter') }
}

export function validateConfig(config: ControlPointConfig): void {
  const fail = (message: string): never => {
    throw new SimulationConfigError(message)
  }
  const share = (name: string, v: number | undefined) => {
    if (v !== undefined && !(v >= 0 && v <= 1)) fail(`${name} must be within 0..1, got ${v}`)
  }
  if (!Number.isFinite(config.seed)) fail('seed must be a finite number')
  if (!(config.hours > 0 && Number.isFinite(config.hours))) fail(`hours must be > 0, got ${config.hours}`)
  if (config.arrivalsPerHour.length === 0) fail('arrivalsPerHour must hold at least one hour')
  if (config.arrivalsPerHour.some((r) => !(r >= 0 && Number.isFinite(r))))
    fail('arrivalsPerHour must be finite and >= 0')
  share('contactlessShare', config.contactlessShare)
  share('referRate', config.referRate)
  share('counterShare', config.counterShare)
  for (const [name, n] of Object.entries(config.gates)) {
    if (!(Number.isInteger(n) && n >= 0)) fail(`gates.${name} must be a non-negative integer, got ${n}`)
  }
  for (const [kind, s] of Object.entries(resolveServiceSpecs(config))) {
    if (!(s.mean >= 0 && s.cv >= 0 && s.walkSec >= 0)) fail(`serviceSec.${kind}: mean, cv and walkSec must be >= 0`)
  }
  if (config.pledgeSec !== undefined && !(config.pledgeSec > 0)) fail('pledgeSec must be > 0')
}

export function simulateControlPoint(config: ControlPointConfig): ControlPointResult {
  validateConfig(config)
  const specs = resolveServiceSpecs(config)
  const specOf = [specs.contactless, specs.conventional, specs.counter]
  const servers = [config.gates.contactless, config.gates.conventional, config.gates.counters]
  const referRate = config.referRate ?? DEFAULT_REFER_RATE
  const counterShare = config.counterShare ?? 0
  const pledgeSec = config.pledgeSec ?? DEFAULT_PLEDGE_SEC
  const end = config.hours * 3600
  const hours = Math.ceil(config.hours)
  // Separate streams: arrival times do not shift when passenger attributes or gate counts change.
  const arrivalRng = createRng(config.seed, 1)
  const paxRng = createRng(config.seed, 2)

  const queues = [new Fifo<Passenger>(), new Fifo<Passenger>(), new Fifo<Passenger>()]
  const busy = [0, 0, 0]
  const busySec = [0, 0, 0]
  const served = [0, 0, 0]
  const routed = [0, 0, 0]
  const passages = [0, 0]
  const heap = new DepartureHeap()
  const waits: number[] = []
  const hourWaits: number[][] = Array.from({ length: hours }, () => [])
  const hourArrivals = new Array<number>(hours).fill(0)
  const hourServed = new Array<number>(hours).fill(0)
  const hourFinished = new Array<number>(hours).fill(0)
  const hourWithin = new Array<number>(hours).fill(0)
  let arrivals = 0
  let referred = 0
  let finished = 0
  let within = 0
  let seq = 0
  const hourOf = (t: number) => Math.min(Math.floor(t / 3600), hours - 1)

  const start = (gate: number, pax: Passenger, t: number) => {
    pax.waited += t - pax.queuedAt
    busy[gate]!++
    const duration = pax.secondStage ? pax.counterService : pax.service
    busySec[gate]! += Math.min(t + duration, end) - t
    heap.push({ t: t + duration, seq: seq++, gate, pax })
    if (!pax.referred || pax.secondStage) {
      waits.push(pax.waited)
      hourWaits[hourOf(pax.arrival)]!.push(pax.waited)
    }
  }
  const join = (gate: number, pax: Passenger, t: number) => {
    pax.queuedAt = t
    if (busy[gate]! < servers[gate]!) start(gate, pax, t)
    else queues[gate]!.push(pax)
  }
  const arrive = (t: number) => {
    arrivals++
    hourArrivals[hourOf(t)]!++
    const direct = paxRng.uniform() < counterShare
    const enrolled = paxRng.uniform() < config.contactlessShare
    const referU = paxRng.uniform()
    // Enrolled residents fall back to the conventional e-Channel, e-Channel users to the counters.
    let route = direct ? COUNTER : enrolled ? CONTACTLESS : CONVENTIONAL
    if (route === CONTACTLESS && servers[CONTACTLESS] === 0) route = CONVENTIONAL
    if (route === CONVENTIONAL && servers[CONVENTIONAL] === 0) route = COUNTER
    routed[route]!++
    const isReferred = route !== COUNTER && referU < referRate
    const service = sampleServiceTime(paxRng, specOf[route]!) + specOf[route]!.walkSec
    const counterService = isReferred ? sampleServiceTime(paxRng, specs.counter) + specs.counter.walkSec : 0
    const pax: Passenger = {
      arrival: t,
      route,
      referred: isReferred,
      secondStage: false,
      service,
      counterService,
      waited: 0,
      queuedAt: t,
    }
    join(route, pax, t)
  }
  const depart = (d: Departure) => {
    const { gate, pax, t } = d
    busy[gate]!--
    const next = queues[gate]!.shift()
    if (next) start(gate, next, t)
    if (gate !== COUNTER) passages[gate]!++
    if (pax.referred && !pax.secondStage) {
      referred++
      pax.secondStage = true
      join(COUNTER, pax, t)
      return
    }
    served[gate]!++
    finished++
    hourServed[hourOf(t)]!++
    const h = hourOf(pax.arrival)
    hourFinished[h]!++
    if (t - pax.arrival <= pledgeSec) {
      within++
      hourWithin[h]!++
    }
  }

  let nextArrival = nextPiecewisePoisson(arrivalRng, 0, config.arrivalsPerHour, 3600, end)
  for (;;) {
    const top = heap.peek()
    const tDeparture = top ? top.t : Number.POSITIVE_INFINITY
    if (tDeparture <= nextArrival) {
      if (tDeparture > end) break
      depart(heap.pop()!)
    } else {
      if (nextArrival > end) break
      arrive(nextArrival)
      nextArrival = nextPiecewisePoisson(arrivalRng, nextArrival, config.arrivalsPerHour, 3600, end)
    }
  }

  const inSystem = [...queues.flatMap((q) => q.toArray()), ...heap.toArray().map((d) => d.pax)]
  const overdueAtEnd = inSystem.filter((pax) => end - pax.arrival > pledgeSec).length
  const sorted = sortNumbers(waits)
  const byGate = (values: readonly number[]): ByGate => ({
    contactless: values[0]!,
    conventional: values[1]!,
    counter: values[2]!,
  })
  return {
    simulatedSec: end,
    arrivals,
    routed: byGate(routed),
    referred,
    served: byGate(served),
    finished,
    stillQueued: byGate(queues.map((q) => q.length)),
    inService: byGate(busy),
    waitSec: {
      mean: sorted.length ? sorted.reduce((s, w) => s + w, 0) / sorted.length : Number.NaN,
      p50: percentileOfSorted(sorted, 50),
      p95: percentileOfSorted(sorted, 95),
      p98: percentileOfSorted(sorted, 98),
    },
    waitedShare: sorted.length ? sorted.filter((w) => w > 0).length / sorted.length : Number.NaN,
    withinPledge: finished ? within / finished : Number.NaN,
    overdueAtEnd,
    utilisation: byGate(busySec.map((b, g) => (servers[g]! > 0 ? b / (servers[g]! * end) : 0))),
    throughputPerHour: finished / config.hours,
    measuredContactlessShare:
      passages[0]! + passages[1]! > 0 ? passages[0]! / (passages[0]! + passages[1]!) : Number.NaN,
    hourly: hourArrivals.map((a, h) => {
      const hw = sortNumbers(hourWaits[h]!)
      return {
        hour: h,
        arrivals: a,
        served: hourServed[h]!,
        waitP95Sec: percentileOfSorted(hw, 95),
        withinPledge: hourFinished[h]! ? hourWithin[h]! / hourFinished[h]! : Number.NaN,
      }
    }),
  }
}

/** Ascending copy; a typed-array sort is several times faster than a comparator sort on ~10^6 numbers. */
function sortNumbers(values: readonly number[]): number[] {
  return Array.from(Float64Array.from(values).sort())
}

/** FIFO queue with O(1) shift. */
class Fifo<T> {
  private items: T[] = []
  private head = 0
  get length(): number {
    return this.items.length - this.head
  }
  push(item: T): void {
    this.items.push(item)
  }
  toArray(): T[] {
    return this.items.slice(this.head)
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined
    const item = this.items[this.head++]
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }
}

/** Binary min-heap of departures by (time, insertion order), so that ties resolve deterministically. */
class DepartureHeap {
  private readonly items: Departure[] = []
  toArray(): Departure[] {
    return this.items.slice()
  }
  peek(): Departure | undefined {
    return this.items[0]
  }
  push(d: Departure): void {
    const a = this.items
    let i = a.push(d) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(d, a[parent]!)) break
      a[i] = a[parent]!
      i = parent
    }
    a[i] = d
  }
  pop(): Departure | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (a.length === 0 || last === undefined) return top
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= a.length) break
      const r = l + 1
      const child = r < a.length && before(a[r]!, a[l]!) ? r : l
      if (!before(a[child]!, last)) break
      a[i] = a[child]!
      i = child
    }
    a[i] = last
    return top
  }
}

function before(x: Departure, y: Departure): boolean {
  return x.t < y.t || (x.t === y.t && x.seq < y.seq)
}
