// The live dashboard: trades the key typed in for a stream cookie, then renders every `stats` event.
// The key stays in this module's memory (never in storage) so that the page can renew the cookie.
import { latencyBars, perMinuteChart, shareGauge } from './charts.js'

const STAGES = [
  ['decodeMs', 'QR decode'],
  ['verifyMs', 'token verify + server'],
  ['detectMs', 'face detect'],
  ['embedMs', 'embed'],
  ['livenessMs', 'liveness'],
  ['matchMs', 'match'],
  ['totalMs', 'total'],
]
const $ = (id) => document.getElementById(id)
let key = null
let source = null
let updates = 0

const pct = (x) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)}%`)
const ms = (x) => (x === null || x === undefined ? '-' : x.toFixed(1))

function setStatus(state, text) {
  $('status').dataset.state = state
  $('status').textContent = text
}

async function connect() {
  const response = await fetch('/v1/stats/stream-session', {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    credentials: 'same-origin',
  })
  if (!response.ok) {
    key = null
    setStatus('error', 'not connected')
    $('login-error').textContent = response.status === 401 ? 'key refused' : `server said ${response.status}`
    return
  }
  $('login-error').textContent = ''
  source?.close()
  source = new EventSource(`/v1/stats/stream?window=${encodeURIComponent($('window').value)}`)
  source.addEventListener('open', () => setStatus('live', 'live'))
  source.addEventListener('stats', (event) => render(JSON.parse(event.data)))
  // The cookie lasts 15 minutes; the server says so before it ends the stream, and the page renews it.
  source.addEventListener('expired', () => {
    source.close()
    if (key) void connect()
  })
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) {
      setStatus('error', 'disconnected')
      if (key) setTimeout(() => void connect(), 3000)
    } else setStatus('error', 'reconnecting')
  })
  $('board').hidden = false
}

function bars(container, counts) {
  container.replaceChildren()
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1])
  if (entries.length === 0) {
    const p = document.createElement('p')
    p.className = 'empty'
    p.textContent = 'none yet'
    container.append(p)
    return
  }
  const max = Math.max(...entries.map(([, n]) => n))
  for (const [name, n] of entries) {
    const row = document.createElement('div')
    row.className = 'row'
    row.dataset.name = name
    const label = document.createElement('span')
    label.textContent = name
    const track = document.createElement('div')
    track.className = 'track'
    const fill = document.createElement('div')
    fill.className = `fill ${name}`
    fill.style.width = `${(n / max) * 100}%`
    track.append(fill)
    const count = document.createElement('span')
    count.className = 'n'
    count.textContent = String(n)
    row.append(label, track, count)
    container.append(row)
  }
}

function render(s) {
  updates++
  $('clearances').textContent = String(s.events)
  $('contactless').textContent = String(s.share.contactless)
  $('conventional').textContent = String(s.share.conventional)
  $('last-minute').textContent = String(s.throughput.lastMinute)
  $('per-minute').textContent = (s.throughput.perSecondOverWindow * 60).toFixed(1)
  $('share').textContent = pct(s.share.contactlessShare)
  $('reference').textContent = pct(s.share.reference)
  $('share-gauge').replaceChildren(shareGauge(s.share.contactlessShare, s.share.reference))
  const approved = s.decisions.APPROVE ?? 0
  $('approved').textContent = s.share.contactless > 0 ? pct(approved / s.share.contactless) : '-'
  $('per-minute-chart').replaceChildren(perMinuteChart(s.perMinute))
  bars($('decisions'), s.decisions)
  bars($('reasons'), s.reasons)
  const body = $('latency').tBodies[0]
  body.replaceChildren()
  const max = Math.max(1, ...STAGES.map(([k]) => s.latencyMs[k]?.p99 ?? 0))
  for (const [k, label] of STAGES) {
    const p = s.latencyMs[k] ?? { p50: null, p95: null, p99: null }
    const tr = document.createElement('tr')
    tr.dataset.stage = k
    for (const text of [label, ms(p.p50), ms(p.p95), ms(p.p99)]) {
      const td = document.createElement('td')
      td.textContent = text
      tr.append(td)
    }
    const td = document.createElement('td')
    td.append(latencyBars(p, max))
    tr.append(td)
    body.append(tr)
  }
  $('updated').textContent = new Date(s.window.toMs).toLocaleTimeString()
  $('events-received').textContent = String(updates)
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault()
  key = $('key').value
  $('key').value = ''
  void connect()
})
$('window').addEventListener('change', () => {
  if (key) void connect()
})
