// What-if sweeps: the control-point simulation over values of one input, as table rows and an SVG chart. Pure.
import { PLEDGE_TARGET, simulateControlPoint, type ControlPointConfig } from './control-point.ts'

/** `share`: contactless share; `contactless-gates`: gate count; `arrivals`: scale factor on the arrival profile. */
export const SWEEP_PARAMS = ['share', 'contactless-gates', 'arrivals'] as const
export type SweepParam = (typeof SWEEP_PARAMS)[number]

export interface SweepRow {
  param: SweepParam
  value: number
  arrivals: number
  finished: number
  backlog: number
  throughputPerHour: number
  waitP50Sec: number
  waitP95Sec: number
  waitP98Sec: number
  withinPledge: number
  overdueAtEnd: number
  measuredContactlessShare: number
  utilContactless: number
  utilConventional: number
  utilCounter: number
}

export const SWEEP_METRICS = [
  'throughputPerHour',
  'waitP50Sec',
  'waitP95Sec',
  'waitP98Sec',
  'withinPledge',
  'measuredContactlessShare',
  'utilContactless',
  'utilConventional',
  'utilCounter',
  'backlog',
  'overdueAtEnd',
] as const
export type SweepMetric = (typeof SWEEP_METRICS)[number]

export function applySweepValue(base: ControlPointConfig, param: SweepParam, value: number): ControlPointConfig {
  switch (param) {
    case 'share':
      return { ...base, contactlessShare: value }
    case 'contactless-gates':
      return { ...base, gates: { ...base.gates, contactless: value } }
    case 'arrivals':
      return { ...base, arrivalsPerHour: base.arrivalsPerHour.map((r) => r * value) }
  }
}

/** One simulation per value, in the given order, all with the base config's seed. */
export function sweep(base: ControlPointConfig, param: SweepParam, values: readonly number[]): SweepRow[] {
  return values.map((value) => {
    const r = simulateControlPoint(applySweepValue(base, param, value))
    return {
      param,
      value,
      arrivals: r.arrivals,
      finished: r.finished,
      backlog: r.arrivals - r.finished,
      throughputPerHour: r.throughputPerHour,
      waitP50Sec: r.waitSec.p50,
      waitP95Sec: r.waitSec.p95,
      waitP98Sec: r.waitSec.p98,
      withinPledge: r.withinPledge,
      overdueAtEnd: r.overdueAtEnd,
      measuredContactlessShare: r.measuredContactlessShare,
      utilContactless: r.utilisation.contactless,
      utilConventional: r.utilisation.conventional,
      utilCounter: r.utilisation.counter,
    }
  })
}

/** What each metric and swept input is, in words, for chart titles and axes. */
export const METRIC_LABELS: Record<SweepMetric, string> = {
  throughputPerHour: 'Passengers cleared per hour',
  waitP50Sec: 'Median wait (s)',
  waitP95Sec: '95th-percentile wait (s)',
  waitP98Sec: '98th-percentile wait (s)',
  withinPledge: 'Passengers cleared within the 15-minute pledge',
  measuredContactlessShare: 'Contactless share of e-Channel passengers',
  utilContactless: 'Contactless gates busy',
  utilConventional: 'Conventional gates busy',
  utilCounter: 'Officer counters busy',
  backlog: 'Passengers still queued at the end',
  overdueAtEnd: 'Passengers past the pledge at the end',
}
export const PARAM_LABELS: Record<SweepParam, string> = {
  share: 'contactless share',
  'contactless-gates': 'contactless gates',
  arrivals: 'arrivals (times the profile)',
}

/** Metrics that are shares (0..1), drawn on a 0-100% axis. */
export function isShareMetric(metric: SweepMetric): boolean {
  return metric === 'withinPledge' || metric === 'measuredContactlessShare' || metric.startsWith('util')
}

const percent = (v: number) => `${Number((v * 100).toPrecision(3))}%`

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
const fmt = (v: number) =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : Number(v.toPrecision(3)).toString()

/** A self-contained SVG line chart of one metric against the swept value (non-finite points are left out). */
export function sweepToSvg(rows: readonly SweepRow[], metric: SweepMetric): string {
  const width = 640
  const height = 360
  const m = { left: 64, right: 24, top: 40, bottom: 48 }
  const points = rows.filter((r) => Number.isFinite(r.value) && Number.isFinite(r[metric]))
  const xs = points.map((r) => r.value)
  const ys = points.map((r) => r[metric])
  const isShare = isShareMetric(metric)
  const xMin = xs.length ? Math.min(...xs) : 0
  const xMax = xs.length ? Math.max(...xs) : 1
  const yMin = isShare ? 0 : Math.min(0, ...ys)
  const yMax = isShare ? 1 : Math.max(1e-9, ...ys) * 1.05
  const sx = (x: number) => m.left + (xMax === xMin ? 0.5 : (x - xMin) / (xMax - xMin)) * (width - m.left - m.right)
  const sy = (y: number) => height - m.bottom - ((y - yMin) / (yMax - yMin)) * (height - m.top - m.bottom)
  const param = rows[0]?.param
  const paramLabel = param ? PARAM_LABELS[param] : 'value'
  const yText = (y: number) => (isShare ? percent(y) : fmt(y))
  const xText = (x: number) => (param === 'share' ? percent(x) : fmt(x))
  const title = `${METRIC_LABELS[metric]}, by ${paramLabel}`
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      'font-family="sans-serif" font-size="12">',
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  ]
  for (let i = 0; i <= 4; i++) {
    const y = yMin + ((yMax - yMin) * i) / 4
    out.push(
      `<line x1="${m.left}" x2="${width - m.right}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${m.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${escapeXml(yText(y))}</text>`,
    )
  }
  for (const x of xs) {
    out.push(
      `<text x="${sx(x).toFixed(1)}" y="${height - m.bottom + 18}" text-anchor="middle">${escapeXml(xText(x))}</text>`,
    )
  }
  out.push(
    `<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}" stroke="#333"/>`,
    `<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${height - m.bottom}" stroke="#333"/>`,
    `<text x="${width / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(paramLabel)}</text>`,
  )
  if (metric === 'withinPledge') {
    const y = sy(PLEDGE_TARGET).toFixed(1)
    out.push(
      `<line class="target" x1="${m.left}" x2="${width - m.right}" y1="${y}" y2="${y}" ` +
        'stroke="#c0392b" stroke-dasharray="6 4"/>',
      `<text x="${width - m.right}" y="${Number(y) - 4}" text-anchor="end" fill="#c0392b">` +
        `pledge ${PLEDGE_TARGET * 100}%</text>`,
    )
  }
  const polyline = points.map((r) => `${sx(r.value).toFixed(1)},${sy(r[metric]).toFixed(1)}`).join(' ')
  out.push(
    `<g class="series" data-metric="${escapeXml(metric)}">`,
    `<polyline fill="none" stroke="#1f6fb2" stroke-width="2" points="${polyline}"/>`,
  )
  for (const r of points) {
    out.push(
      `<circle cx="${sx(r.value).toFixed(1)}" cy="${sy(r[metric]).toFixed(1)}" r="3.5" fill="#1f6fb2">` +
        `<title>${escapeXml(`${paramLabel} ${xText(r.value)}: ${yText(r[metric])}`)}</title></circle>`,
    )
  }
  out.push('</g>', '</svg>')
  return `${out.join('\n')}\n`
}
