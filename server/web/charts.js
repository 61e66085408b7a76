// Small SVG charts drawn with the DOM (no library, no innerHTML): bars per minute, a share gauge, latency bars.
const NS = 'http://www.w3.org/2000/svg'

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  if (text !== undefined) node.textContent = text
  return node
}

/** Stacked bars of contactless and conventional clearances per minute. */
export function perMinuteChart(buckets, { width = 900, height = 180 } = {}) {
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'clearances per minute' })
  const pad = { left: 36, right: 8, top: 10, bottom: 22 }
  // An even maximum, so that the middle grid line is a whole number of clearances.
  const peak = Math.max(1, ...buckets.map((b) => b.contactless + b.conventional))
  const max = peak + (peak % 2)
  const plotW = width - pad.left - pad.right
  const plotH = height - pad.top - pad.bottom
  const step = plotW / Math.max(buckets.length, 1)
  for (const tick of [0, 0.5, 1]) {
    const y = pad.top + plotH * (1 - tick)
    svg.append(el('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y, stroke: '#24313f' }))
    svg.append(
      el(
        'text',
        { x: pad.left - 6, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#8ea0b2' },
        String(Math.round(max * tick)),
      ),
    )
  }
  buckets.forEach((b, i) => {
    const x = pad.left + i * step + step * 0.15
    const w = step * 0.7
    const hc = (b.contactless / max) * plotH
    const hv = (b.conventional / max) * plotH
    const base = pad.top + plotH
    svg.append(el('rect', { x, y: base - hc, width: w, height: hc, fill: '#2bb673' }))
    svg.append(el('rect', { x, y: base - hc - hv, width: w, height: hv, fill: '#5b8def' }))
    if (i % 5 === 4 || i === buckets.length - 1) {
      const t = new Date(b.startMs)
      const label = `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}`
      svg.append(
        el('text', { x: x + w / 2, y: height - 6, 'text-anchor': 'middle', 'font-size': 11, fill: '#8ea0b2' }, label),
      )
    }
  })
  return svg
}

/** A horizontal gauge of the measured share with a marker at the reference. */
export function shareGauge(share, reference, { width = 300, height = 34 } = {}) {
  const svg = el('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'contactless share against the reference',
  })
  svg.append(el('rect', { x: 0, y: 8, width, height: 12, rx: 4, fill: '#0b1118' }))
  if (share !== null)
    svg.append(
      el('rect', {
        x: 0,
        y: 8,
        width: width * Math.min(share, 1),
        height: 12,
        rx: 4,
        fill: share >= reference ? '#2bb673' : '#f0a13a',
      }),
    )
  const rx = width * reference
  svg.append(el('line', { x1: rx, x2: rx, y1: 2, y2: 26, stroke: '#e8eef4', 'stroke-width': 2 }))
  svg.append(
    el(
      'text',
      { x: Math.min(rx + 4, width - 30), y: 33, 'font-size': 10, fill: '#8ea0b2' },
      `${Math.round(reference * 100)}%`,
    ),
  )
  return svg
}

/** p50, p95 and p99 of one stage as nested bars on a shared scale. */
export function latencyBars(p, max, { width = 300, height = 16 } = {}) {
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'latency percentiles' })
  const scale = (v) => (v === null || !(max > 0) ? 0 : (Math.min(v, max) / max) * width)
  svg.append(el('rect', { x: 0, y: 2, width: scale(p.p99), height: 12, fill: '#5a2422' }))
  svg.append(el('rect', { x: 0, y: 2, width: scale(p.p95), height: 12, fill: '#8a6a2a' }))
  svg.append(el('rect', { x: 0, y: 2, width: scale(p.p50), height: 12, fill: '#2bb673' }))
  return svg
}
