// The gate's screen. Frames from the camera go to the kiosk process on this machine (?kiosk=http://127.0.0.1:P),
// one JPEG at a time; the screen shows the step and the decision, and nothing about the person.
// It fails closed: no camera, no kiosk, or an answer it does not understand closes the gate.

const $ = (id) => document.getElementById(id)
const MESSAGES = {
  STARTING: 'Starting...',
  WAITING_FOR_QR: 'Show the QR code on your phone to the camera',
  VERIFYING: 'QR code read. Checking...',
  CAPTURING_FACE: 'Look at the camera',
  CLOSED: 'This gate is closed. Please use another channel.',
}
const DECISIONS = {
  APPROVE: 'Please proceed',
  REJECT: 'Not cleared. Please go to a counter.',
  REFER_TO_OFFICER: 'Please wait. An officer will assist you.',
}
const PHASES = new Set(['WAITING_FOR_QR', 'VERIFYING', 'CAPTURING_FACE', 'CHALLENGING', 'DECIDED'])
/** The liveness challenge's instructions the kiosk may send (kiosk-sim/gate/liveness-challenge.ts), and no other. */
const INSTRUCTIONS = new Set([
  'Please turn your head to the left',
  'Please turn your head to the right',
  'Please blink',
])

/** Measurements for the record (read by the browser test; nothing personal). */
const metrics = { frames: [], decisions: [], instructions: [], errors: 0 }
window.__kioskMetrics = metrics

/** Only a kiosk on this machine, over plain HTTP on loopback, may receive camera frames. */
export function kioskOrigin(value) {
  if (!value) return null
  try {
    const url = new URL(value)
    if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return null
    if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
      return null
    return url.origin
  } catch {
    return null
  }
}

function show(phase, decision, instruction) {
  document.body.dataset.phase = phase
  const steps = { qr: $('step-qr'), face: $('step-face'), decision: $('step-decision') }
  const order =
    phase === 'WAITING_FOR_QR' || phase === 'VERIFYING'
      ? 0
      : phase === 'CAPTURING_FACE' || phase === 'CHALLENGING'
        ? 1
        : phase === 'DECIDED'
          ? 2
          : -1
  Object.values(steps).forEach((li, i) => {
    li.classList.toggle('active', i === order)
    li.classList.toggle('done', order > i)
  })
  const decided = phase === 'DECIDED' && decision in DECISIONS
  $('prompt').hidden = decided
  $('decision').hidden = !decided
  $('decision').dataset.decision = decided ? decision : ''
  $('decision-text').textContent = decided ? DECISIONS[decision] : ''
  // The challenge's action, word for word from the kiosk: the traveller must see what to do.
  $('message').textContent =
    phase === 'CHALLENGING'
      ? INSTRUCTIONS.has(instruction)
        ? instruction
        : MESSAGES.CLOSED
      : (MESSAGES[phase] ?? MESSAGES.CLOSED)
}

function closeGate(why) {
  metrics.closedBecause = why
  show('CLOSED', null)
}

async function captureFrame(video, canvas) {
  canvas.width = video.videoWidth
  canvas.height = video.videoHeight
  canvas.getContext('2d').drawImage(video, 0, 0)
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('no frame'))), 'image/jpeg', 0.85),
  )
}

async function run() {
  const kiosk = kioskOrigin(new URLSearchParams(location.search).get('kiosk'))
  if (!kiosk) return closeGate('kiosk not configured')
  let stream
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { width: { ideal: 640 }, height: { ideal: 480 } },
      audio: false,
    })
  } catch {
    return closeGate('camera unavailable')
  }
  const video = $('camera')
  video.srcObject = stream
  await video.play().catch(() => undefined)
  while (video.readyState < 2 || video.videoWidth === 0) await new Promise((r) => setTimeout(r, 20))
  const canvas = $('frame')
  show('WAITING_FOR_QR', null)

  let failures = 0
  let lastSeq = null
  let qrSeenAt = null
  for (;;) {
    const t0 = performance.now()
    let state
    try {
      const blob = await captureFrame(video, canvas)
      const t1 = performance.now()
      const response = await fetch(`${kiosk}/frames`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: blob,
        cache: 'no-store',
      })
      if (!response.ok) throw new Error(`kiosk said ${response.status}`)
      state = await response.json()
      if (!PHASES.has(state.phase)) throw new Error('unknown phase')
      const t2 = performance.now()
      metrics.frames.push({
        phase: state.phase,
        bytes: blob.size,
        captureMs: t1 - t0,
        roundTripMs: t2 - t1,
        serverMs: state.frameMs,
        skipped: state.skipped,
      })
      failures = 0
    } catch {
      metrics.errors++
      if (++failures >= 3) closeGate('kiosk unavailable')
      await new Promise((r) => setTimeout(r, 500))
      continue
    }
    const now = performance.now()
    if ((state.phase === 'VERIFYING' || state.phase === 'CAPTURING_FACE') && qrSeenAt === null) qrSeenAt = t0
    // A decision already on screen when this page started belongs to someone else.
    if (lastSeq === null) lastSeq = state.decisionSeq
    if (state.phase === 'DECIDED' && state.decisionSeq !== lastSeq) {
      lastSeq = state.decisionSeq
      // qrToDecision: from the frame in which the QR was read (this one, when the token alone decided).
      metrics.decisions.push({
        decision: state.decision,
        seq: state.decisionSeq,
        captureToDecisionMs: now - t0,
        qrToDecisionMs: now - (qrSeenAt ?? t0),
      })
      qrSeenAt = null
    }
    if (state.phase === 'CHALLENGING' && !metrics.instructions.includes(state.instruction))
      metrics.instructions.push(state.instruction)
    show(state.phase, state.decision, state.instruction)
    // While a decision is on screen the gate ignores frames: poll gently instead.
    await new Promise((r) => setTimeout(r, state.phase === 'DECIDED' ? 250 : 0))
  }
}

void run()
