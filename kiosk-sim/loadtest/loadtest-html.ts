import type { LoadtestReport } from './loadtest-report.ts'
import { formatLoadtestReport } from './loadtest-report.ts'

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!)

/** Horizontal bars, one per row: a self-contained SVG. */
function barChart(title: string, rows: Array<[label: string, value: number]>, unit: string): string {
  const width = 640
  const rowHeight = 24
  const labelWidth = 230
  const max = Math.max(...rows.map(([, v]) => v), 1e-9)
  const bars = rows
    .map(([label, value], i) => {
      const y = 30 + i * rowHeight
      const w = ((width - labelWidth - 80) * value) / max
      return `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escape(label)}</text><rect x="${labelWidth}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="#2b6cb0"/><text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 15}">${value.toFixed(value < 10 ? 1 : 0)} ${unit}</text>`
    })
    .join('')
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${40 + rows.length * rowHeight}" font-family="sans-serif" font-size="12"><text x="0" y="16" font-weight="bold">${escape(title)}</text>${bars}</svg>`
}

/** The load-test report as one HTML file with its charts inline: no scripts, no CDN. */
export function loadtestHtml(report: LoadtestReport): string {
  const stageRows = Object.entries(report.latencyMs).flatMap(
    ([stage, p]) =>
      [
        [`${stage} p50`, p.p50],
        [`${stage} p95`, p.p95],
      ] as Array<[string, number]>,
  )
  const decisionRows = Object.entries(report.decisions).flatMap(([scenario, row]) =>
    Object.entries(row).map(([outcome, n]) => [`${scenario}: ${outcome}`, n] as [string, number]),
  )
  const shareRows: Array<[string, number]> = [
    ['measured contactless share', (report.share.measured ?? 0) * 100],
    ['configured share', report.share.configured * 100],
    ['ImmD first month (2021)', report.share.reference * 100],
  ]
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>e-Channel load test</title>
<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}pre{background:#f4f4f4;padding:1em;overflow:auto}h2{margin-top:1.5em}</style></head>
<body><h1>Contactless e-Channel load test</h1>
<p><b>${report.clearancesPerSecond.toFixed(2)}</b> clearances per second with ${report.kiosks} kiosks,
equal to <b>${report.equivalentGates.toFixed(1)}</b> physical gates at 7 s per passenger. False accepts ${report.falseAccepts},
false rejects ${report.falseRejects}, lost events ${report.lostEvents}.</p>
<h2>Stage latency (ms)</h2>${barChart('per-stage p50 and p95', stageRows, 'ms')}
<h2>Decisions against the truth</h2>${barChart('passengers by scenario and decision', decisionRows, '')}
<h2>Contactless share</h2>${barChart('share of e-Channel passengers (%)', shareRows, '%')}
<h2>Figures</h2><pre>${escape(formatLoadtestReport(report))}</pre>
</body></html>\n`
}
