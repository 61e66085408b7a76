// The PAD evaluation as one self-contained HTML page: the ISO/IEC 30107-3 figures, a DET curve per check (inline
// SVG, models/eval/det-plot.ts), and the per-subject table. No scripts, no network.

import { escapeHtml as esc } from '../../lib/escape-html.ts'
import { pct } from '../../lib/format.ts'
import { renderDetSvg } from '../../models/eval/det-plot.ts'
import type { CheckCurves } from './pad-check-curves.ts'
import type { Rate, RateWithCi } from './pad-rates.ts'
import type { PadSummary } from './pad-report.ts'

const FIGURE_HEAD = '<tr><th>Figure</th><th>k / n</th><th>rate</th><th>95% CI (Wilson)</th><th>of</th></tr>'

const PAD_AXES = {
  x: 'APCER: attacks passed (probit scale)',
  y: 'BPCER: bona fide refused (probit scale)',
  xShort: 'APCER',
  yShort: 'BPCER',
}

export function padEvalHtml(r: PadSummary): string {
  const figureRows = [
    ...Object.entries(r.apcer).map(([species, x]) => row(`APCER, ${species}`, x, 'attack frames passed')),
    row('BPCER', r.bpcer, 'bona fide frames referred'),
    row('FTA (bona fide, in BPCER)', r.fta, 'bona fide frames without a face'),
    row('MULTIPLE_FACES (bona fide, in BPCER)', r.multipleFaces.bonaFide, 'bona fide frames'),
    ...Object.entries(r.iapmr.species).map(([species, x]) => row(`IAPMR, ${species}`, x, 'attacks passed and matched')),
    row('Genuine acceptance', r.genuineAcceptance, 'bona fide probes passed and matched'),
  ].join('')
  const subjectRows = Object.entries(r.perSubject)
    .map(
      ([subject, s]) =>
        `<tr><td>${esc(subject)}</td><td>${count(s.bonaFide)}</td>${Object.values(s.attack)
          .map((a) => `<td>${count(a)}</td>`)
          .join('')}<td>${s.iapmr ? count(s.iapmr) : 'not enrolled'}</td></tr>`,
    )
    .join('')
  const speciesHeads = Object.keys(r.apcer)
    .map((s) => `<th>${esc(s)} passed</th>`)
    .join('')
  const t = r.thresholds
  const pad = t.padMin === null ? 'off (no classifier)' : `&ge; ${t.padMin}`
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PAD evaluation</title>
<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}td:first-child,th:first-child{text-align:left}
h2{margin-top:1.5em}li{margin:.2em 0}</style></head>
<body><h1>Presentation attack detection (ISO/IEC 30107-3)</h1>
<p>${r.frames.total} frames of ${r.frames.subjects} subjects (${r.frames.bonaFide} bona fide; ${Object.entries(
    r.frames.attack,
  )
    .map(([s, n]) => `${n} ${esc(s)}`)
    .join(', ')}) from <code>${esc(r.dataset)}</code>, engine ${esc(r.model.name)} ${esc(r.model.version)} on
${esc(r.backend)}. Thresholds from <code>${esc(r.calibration)}</code>: antispoof &ge; ${t.antispoofMin},
liveness &ge; ${t.livenessMin}, pad ${pad}; match &ge; ${t.matchThreshold}.</p>
<h2>Figures</h2><table>${FIGURE_HEAD}${figureRows}</table>
<p>BPCER by reason: ${reasons(r.bpcer.reasons)}; failed presentation checks: ${reasons(r.bpcer.failedChecks)}.</p>
${Object.entries(r.apcer)
  .map(([s, x]) => `<p>${esc(s)} attacks stopped by: ${reasons(x.stoppedBy)}.</p>`)
  .join('')}
<h2>Each check alone</h2>${Object.entries(r.checks)
    .map(([name, c]) => checkSection(name, c))
    .join('')}
<h2>Per subject</h2><table>
<tr><th>Subject</th><th>bona fide referred</th>${speciesHeads}<th>IAPMR</th></tr>${subjectRows}</table>
<h2>Rules</h2><ul>${[...r.rules, r.iapmr.protocol].map((x) => `<li>${esc(x)}</li>`).join('')}</ul>
<p>Created ${esc(r.createdAt)}.</p></body></html>
`
}

function checkSection(name: string, c: CheckCurves): string {
  const species = Object.entries(c.species)
  const op = species[0]?.[1].operatingPoint
  const svg = renderDetSvg({
    title: `${name}: ${c.bonaFide} bona fide vs ${species.map(([s, x]) => `${x.attacks} ${s}`).join(', ')}`,
    series: species.map(([s, x]) => ({
      label: `${s} (AUC ${x.auc.toFixed(3)})`,
      points: x.det.map((p) => ({ threshold: p.threshold, fmr: p.apcer, fnmr: p.bpcer })),
    })),
    marks: op ? [{ fmr: op.apcer, fnmr: op.bpcer }] : [],
    axes: PAD_AXES,
    maxRate: 0.99,
  })
  const ops = species
    .map(([s, x]) =>
      x.operatingPoint
        ? `${esc(s)}: at ${x.operatingPoint.threshold} APCER ${pct(x.operatingPoint.apcer, 1)}, ` +
          `BPCER ${pct(x.operatingPoint.bpcer, 1)}`
        : `${esc(s)}: check off`,
    )
    .join('; ')
  return `<h3>${esc(name)}</h3><p>Threshold ${c.threshold ?? 'off'}; operating point (the dot) ${ops}.</p>${svg}`
}

function row(label: string, x: Rate | RateWithCi, of: string): string {
  const ci = 'ci95' in x && x.ci95 ? `${pct(x.ci95.low, 1)} to ${pct(x.ci95.high, 1)}` : ''
  const cells = [esc(label), `${x.k} / ${x.n}`, pct(x.rate, 1), ci, esc(of)]
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`
}

function count(x: Rate): string {
  return `${x.k} / ${x.n}`
}

function reasons(counts: Record<string, number>): string {
  const list = Object.entries(counts)
  return list.length === 0 ? 'none' : list.map(([k, n]) => `${esc(k)} ${n}`).join(', ')
}
