import t from 'tap'
import type { ControlPointConfig } from '../../kiosk-sim/simulation/control-point.ts'
import { sweep, sweepToSvg } from '../../kiosk-sim/simulation/sweep.ts'

const base: ControlPointConfig = {
  seed: 3,
  hours: 1,
  arrivalsPerHour: [3000],
  contactlessShare: 0.32,
  gates: { contactless: 4, conventional: 6, counters: 3 },
}

t.test('one row per value, in the given order', async (t) => {
  const values = [0.7, 0.32, 0.5]
  const rows = sweep(base, 'share', values)
  t.equal(rows.length, 3)
  t.same(
    rows.map((r) => r.value),
    values,
  )
  t.ok(rows.every((r) => r.param === 'share'))
  t.ok(Math.abs(rows[0]!.measuredContactlessShare - 0.7) < 0.05, 'the swept share reaches the model')
  t.ok(Math.abs(rows[1]!.measuredContactlessShare - 0.32) < 0.05)
})

t.test('arrival scale and gate count sweeps move the right way', async (t) => {
  const scaled = sweep(base, 'arrivals', [1, 2])
  t.ok(scaled[1]!.arrivals > 1.8 * scaled[0]!.arrivals, 'doubling the scale doubles arrivals')
  const gates = sweep(base, 'contactless-gates', [1, 8])
  t.ok(
    gates[0]!.waitP95Sec > gates[1]!.waitP95Sec,
    `1 gate waits longer (${gates[0]!.waitP95Sec} s) than 8 (${gates[1]!.waitP95Sec} s)`,
  )
  t.ok(gates[0]!.utilContactless > gates[1]!.utilContactless, 'and is busier')
})

t.test('sweepToSvg: well-formed, self-contained, holds the series', async (t) => {
  const rows = sweep(base, 'share', [0.32, 0.5, 0.7])
  const svg = sweepToSvg(rows, 'withinPledge')
  t.ok(svg.startsWith('<svg'), 'starts with <svg')
  t.ok(svg.trimEnd().endsWith('</svg>'), 'ends with </svg>')
  t.match(svg, /<g class="series" data-metric="withinPledge">/)
  t.equal((svg.match(/<circle /g) ?? []).length, 3, 'one marker per row')
  t.match(svg, /<polyline [^>]*points="[\d.]+,[\d.]+ [\d.]+,[\d.]+ [\d.]+,[\d.]+"/, 'three points in the line')
  t.match(svg, /class="target"/, 'the 98% pledge line')
  t.notMatch(svg, /href=|<image|<script|url\(/, 'no external assets')
  t.notMatch(svg, /NaN|Infinity/, 'no non-finite coordinates')
  const open = (svg.match(/<(g|svg|text|title|circle)[\s>]/g) ?? []).length
  const close = (svg.match(/<\/(g|svg|text|title|circle)>/g) ?? []).length
  t.equal(open, close, 'every container element is closed')
  const wait = sweepToSvg(rows, 'waitP95Sec')
  t.notMatch(wait, /class="target"/, 'twin: no pledge line on other metrics')
  t.match(svg, />Passengers cleared within the 15-minute pledge, by contactless share<\/text>/, 'a human title')
  t.match(svg, />100%<\/text>/, 'a share axis in percent')
  t.match(svg, />32%<\/text>/, 'a swept share in percent')
  t.notMatch(wait, />100%<\/text>/, 'twin: a wait axis in seconds, not percent')
  t.match(wait, />95th-percentile wait \(s\), by contactless share<\/text>/)
})
