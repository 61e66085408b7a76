import { escapeHtml as escape } from '../../lib/escape-html.ts'
import type { LoadtestReport } from './loadtest-report.ts'
import { formatAttacks, formatLoadtestReport } from './loadtest-report.ts'

/** One colour per decision, the same in every chart; anything that is not a decision is drawn NEUTRAL. */
export const DECISION_COLOURS = { APPROVE: '#2f855a', REJECT: '#c53030', REFER_TO_OFFICER: '#d69e2e' } as const
const NEUTRAL = '#2b6cb0'
/** Width of one character of the 12 px sans-serif labels, generous (capitals), to size the label column. */
const CHAR_PX = 8

interface Bar {
  label: string
  value: number
  colour?: string
}

/** The colour of an outcome "DECISION(REASON)" or "DECISION". */
export function decisionColour(outcome: string): string {
  const decision = outcome.replace(/\(.*$/, '') as keyof typeof DECISION_COLOURS
  return DECISION_COLOURS[decision] ?? NEUTRAL
}

/** A value as its unit wants it: counts are whole numbers, times and shares keep one decimal below 10. */
export function formatValue(value: number, unit: string): string {
  if (unit === '') return String(Math.round(value))
  return `${value.toFixed(value < 10 ? 1 : 0)} ${unit}`
}

/** Horizontal bars, one per row: a self-contained SVG whose label column fits its longest label. */
function barChart(title: string, rows: Bar[], unit: string): string {
  const labelWidth = Math.max(120, 16 + CHAR_PX * Math.max(...rows.map((r) => r.label.length), 0))
  const valueWidth = 90
  const barSpace = 380
  const width = labelWidth + barSpace + valueWidth
  const rowHeight = 24
  const max = Math.max(...rows.map((r) => r.value), 1e-9)
  const bars = rows
    .map(({ label, value, colour }, i) => {
      const y = 30 + i * rowHeight
      const w = (barSpace * value) / max
      return (
        `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escape(label)}</text>` +
        `<rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 8}" ` +
        `fill="${colour ?? NEUTRAL}"/>` +
        `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 15}">${escape(formatValue(value, unit))}</text>`
      )
    })
    .join('')
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${40 + rows.length * rowHeight}" ` +
    `font-family="sans-serif" font-size="12"><text x="0" y="16" font-weight="bold">${escape(title)}</text>${bars}</svg>`
  )
}

function legend(): string {
  return Object.entries(DECISION_COLOURS)
    .map(([d, c]) => `<span style="display:inline-block;width:12px;height:12px;background:${c}"></span> ${d}`)
    .join(' &nbsp; ')
}

/** The load-test report as one HTML file with its charts inline: no scripts, no CDN. */
export function loadtestHtml(report: LoadtestReport): string {
  const stageRows = Object.entries(report.latencyMs).flatMap(([stage, p]) => [
    { label: `${stage} p50`, value: p.p50 },
    { label: `${stage} p95`, value: p.p95 },
  ])
  const decisionRows = Object.entries(report.decisions).flatMap(([scenario, row]) =>
    Object.entries(row).map(([outcome, n]) => ({
      label: `${scenario}: ${outcome}`,
      value: n,
      colour: decisionColour(outcome),
    })),
  )
  const shareRows = [
    { label: 'measured contactless share', value: (report.share.measured ?? 0) * 100 },
    { label: 'configured share', value: report.share.configured * 100 },
    { label: 'ImmD first month (2021)', value: report.share.reference * 100 },
  ]
  const attackRows = Object.entries(report.attacks)
    .map(
      ([species, a]) =>
        `<tr><td>${escape(species)}</td><td>${a.k} / ${a.n}</td>` +
        `<td>${a.rate === null ? 'none presented' : `${(a.rate * 100).toFixed(1)}%`}</td></tr>`,
    )
    .join('')
  const kiosks = `${report.kiosks} kiosk${report.kiosks === 1 ? '' : 's'}`
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>e-Channel load test</title>
<style>body{font-family:sans-serif;max-width:820px;margin:2em auto;color:#222}pre{background:#f4f4f4;padding:1em;
overflow:auto}h2{margin-top:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em}</style>
</head>
<body><h1>Contactless e-Channel load test</h1>
<p><b>${report.clearancesPerSecond.toFixed(2)}</b> clearances per second with ${kiosks},
equal to <b>${report.equivalentGates.toFixed(1)}</b> physical gates at 7 s per passenger.
False accepts ${report.falseAccepts}, false rejects ${report.falseRejects}, lost events ${report.lostEvents}.
Attacks approved: ${escape(formatAttacks(report.attacks))}.</p>
<h2>Presentation attacks (APCER per species)</h2>
<table><tr><th>Species</th><th>approved / presented</th><th>APCER</th></tr>${attackRows}</table>
<h2>Stage latency (ms)</h2>${barChart('per-stage p50 and p95', stageRows, 'ms')}
<h2>Decisions against the truth</h2><p>${legend()}</p>
${barChart('passengers by scenario and decision', decisionRows, '')}
<h2>Contactless share</h2>${barChart('share of e-Channel passengers (%)', shareRows, '%')}
<h2>Figures</h2><pre>${escape(formatLoadtestReport(report))}</pre>
</body></html>\n`
}
