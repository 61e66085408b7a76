// DET curve (ISO/IEC 19795-1) as a self-contained SVG string: FMR on x, FNMR on y, both on normal
// deviate (probit) scales, so that normally distributed scores give straight lines. Pure.

import type { OperatingPoint } from './metrics.ts'

export interface DetSeries {
  label: string
  points: readonly OperatingPoint[]
}

export interface DetMark {
  /** Vertical guide at this FMR. */
  fmr: number
  /** When given, a dot and a label "FNMR x%" at (fmr, fnmr). */
  fnmr?: number
}

export interface DetPlotOptions {
  title: string
  series: readonly DetSeries[]
  /** Defaults to guides at FMR 1e-2, 1e-3 and 1e-4 without values. */
  marks?: readonly DetMark[]
  width?: number
  height?: number
  /** Axis names; default FMR (x) and FNMR (y). A PAD curve has APCER on x and BPCER on y (ISO/IEC 30107-3). */
  axes?: { x: string; y: string; xShort: string; yShort: string }
  /** Top of both axes; by default 60%, or 95% when a marked value is above 55%. */
  maxRate?: number
}

const DEFAULT_AXES = {
  x: 'False match rate (FMR, probit scale)',
  y: 'False non-match rate (FNMR, probit scale)',
  xShort: 'FMR',
  yShort: 'FNMR',
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf']
const TICKS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95]
const MARGIN = { left: 70, right: 20, top: 40, bottom: 55 }

export function renderDetSvg(options: DetPlotOptions): string {
  const width = options.width ?? 640
  const height = options.height ?? 520
  const marks = options.marks ?? [{ fmr: 1e-2 }, { fmr: 1e-3 }, { fmr: 1e-4 }]
  const all = options.series.flatMap((s) => s.points)
  const xMin = axisFloor([...all.map((p) => p.fmr), ...marks.map((m) => m.fmr)])
  const yMin = axisFloor([...all.map((p) => p.fnmr), ...marks.map((m) => m.fnmr ?? 1)])
  // Up to 60% as usual, or 95% when a marked FNMR would otherwise sit on the edge.
  const max = options.maxRate ?? (marks.some((m) => (m.fnmr ?? 0) > 0.55) ? 0.95 : 0.6)
  const axes = options.axes ?? DEFAULT_AXES
  const plotW = width - MARGIN.left - MARGIN.right
  const plotH = height - MARGIN.top - MARGIN.bottom
  // A label right of its point, or left of it near the right edge, so that it is never clipped.
  const beside = (px: number, gap: number): string =>
    px > MARGIN.left + plotW * 0.75 ? `x="${f(px - gap)}" text-anchor="end"` : `x="${f(px + gap)}"`
  // Rates outside the axes are drawn a little beyond them and clipped, so that they never run along an edge.
  const x = (p: number): number =>
    MARGIN.left + (plotW * (probit(clamp(p, xMin / 10, 0.999)) - probit(xMin))) / (probit(max) - probit(xMin))
  const y = (p: number): number =>
    MARGIN.top + plotH - (plotH * (probit(clamp(p, yMin / 10, 0.999)) - probit(yMin))) / (probit(max) - probit(yMin))

  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  )
  out.push(`<rect width="${width}" height="${height}" fill="#fff"/>`)
  out.push(
    `<clipPath id="plot-area"><rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}"/>` +
      '</clipPath>',
  )
  out.push(
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">` +
      `${escapeXml(options.title)}</text>`,
  )
  // Grid and tick labels.
  for (const t of TICKS) {
    if (t > max) continue
    if (t >= xMin) {
      out.push(`<line x1="${f(x(t))}" y1="${MARGIN.top}" x2="${f(x(t))}" y2="${MARGIN.top + plotH}" stroke="#ddd"/>`)
      out.push(`<text x="${f(x(t))}" y="${MARGIN.top + plotH + 15}" text-anchor="middle">${tickLabel(t)}</text>`)
    }
    if (t >= yMin) {
      out.push(`<line x1="${MARGIN.left}" y1="${f(y(t))}" x2="${MARGIN.left + plotW}" y2="${f(y(t))}" stroke="#ddd"/>`)
      out.push(`<text x="${MARGIN.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`)
    }
  }
  out.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`)
  out.push(
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 12}" text-anchor="middle" font-size="12">` +
      `${escapeXml(axes.x)}</text>`,
  )
  out.push(
    `<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">` +
      `${escapeXml(axes.y)}</text>`,
  )
  // FMR guides.
  for (const m of marks) {
    out.push(
      `<line x1="${f(x(m.fmr))}" y1="${MARGIN.top}" x2="${f(x(m.fmr))}" y2="${MARGIN.top + plotH}" ` +
        'stroke="#888" stroke-dasharray="4 3"/>',
    )
    out.push(
      `<text ${beside(x(m.fmr), 3)} y="${MARGIN.top + plotH - 4}" fill="#555">` +
        `${escapeXml(axes.xShort)} ${tickLabel(m.fmr)}</text>`,
    )
  }
  // Curves.
  options.series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!
    const pts = [...s.points].sort((a, b) => a.fmr - b.fmr || b.fnmr - a.fnmr)
    if (pts.length > 0) {
      const d = pts.map((p, k) => `${k === 0 ? 'M' : 'L'}${f(x(p.fmr))},${f(y(p.fnmr))}`).join('')
      out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.8" clip-path="url(#plot-area)"/>`)
    }
    const ly = MARGIN.top + 16 + 16 * i
    out.push(
      `<line x1="${MARGIN.left + plotW - 170}" y1="${ly - 4}" x2="${MARGIN.left + plotW - 150}" y2="${ly - 4}" ` +
        `stroke="${colour}" stroke-width="2"/>`,
    )
    out.push(`<text x="${MARGIN.left + plotW - 145}" y="${ly}">${escapeXml(s.label)}</text>`)
  })
  // Values at the guides.
  for (const m of marks) {
    if (m.fnmr === undefined) continue
    out.push(`<circle cx="${f(x(m.fmr))}" cy="${f(y(m.fnmr))}" r="3.5" fill="#000"/>`)
    out.push(`<text ${beside(x(m.fmr), 6)} y="${f(y(m.fnmr) - 6)}">${escapeXml(axes.yShort)} ${percent(m.fnmr)}</text>`)
  }
  out.push('</svg>')
  return out.join('\n') + '\n'
}

/**
 * Inverse of the standard normal CDF (P. J. Acklam's rational approximation, relative error < 1.2e-9).
 * probit(0.5) = 0; p outside (0, 1) gives +-Infinity.
 */
export function probit(p: number): number {
  if (p <= 0) return -Infinity
  if (p >= 1) return Infinity
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const low = 0.02425
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p))
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    )
  }
  if (p > 1 - low) return -probit(1 - p)
  const q = p - 0.5
  const r = q * q
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  )
}

/** Lowest decade at or below the smallest positive rate, between 1e-6 and 1e-2. */
function axisFloor(rates: readonly number[]): number {
  let smallest = 1e-2
  for (const r of rates) if (r > 0 && r < smallest) smallest = r
  return Math.min(1e-2, Math.max(1e-6, Math.pow(10, Math.floor(Math.log10(smallest)))))
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v))
}

function f(v: number): string {
  return v.toFixed(1)
}

function tickLabel(t: number): string {
  return t >= 0.01 ? `${+(t * 100).toPrecision(3)}%` : `1e${Math.round(Math.log10(t))}`
}

function percent(p: number): string {
  return `${(p * 100).toFixed(p < 0.01 ? 2 : 1)}%`
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!)
}
