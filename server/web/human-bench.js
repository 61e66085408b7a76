// Human's face detection in the browser on the WASM backend, timed per camera frame. ?frames=N (default 20).
import { Human } from '/vendor/human.esm.js'

const $ = (id) => document.getElementById(id)
const result = { backend: null, simd: null, loadMs: null, warmupMs: null, frames: [], faces: [], error: null }
window.__humanBench = result

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.max(Math.ceil((p / 100) * sorted.length) - 1, 0)] : null
}

async function main() {
  const frames = Math.min(Math.max(Number(new URLSearchParams(location.search).get('frames')) || 20, 1), 500)
  const human = new Human({
    backend: 'wasm',
    wasmPath: '/vendor/',
    wasmPlatformFetch: true,
    modelBasePath: '/vendor/',
    cacheModels: false,
    debug: false,
    async: false,
    warmup: 'none',
    cacheSensitivity: 0,
    filter: { enabled: false },
    face: {
      enabled: true,
      detector: { rotation: false, maxDetected: 3, minConfidence: 0.2, iouThreshold: 0.1, skipFrames: 0, skipTime: 0 },
      mesh: { enabled: true, keepInvalid: true },
      iris: { enabled: false },
      attention: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: false },
      antispoof: { enabled: true, skipFrames: 0, skipTime: 0 },
      liveness: { enabled: true, skipFrames: 0, skipTime: 0 },
      gear: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
  })
  const t0 = performance.now()
  await human.load()
  await human.init()
  result.loadMs = performance.now() - t0
  result.backend = human.tf.getBackend()
  result.simd = await human.env.wasm?.simd
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 } },
    audio: false,
  })
  const video = $('camera')
  video.srcObject = stream
  await video.play().catch(() => undefined)
  while (video.readyState < 2 || video.videoWidth === 0) await new Promise((r) => setTimeout(r, 20))
  $('status').textContent = `measuring ${frames} frames on ${result.backend}`
  const w0 = performance.now()
  await human.detect(video)
  result.warmupMs = performance.now() - w0
  for (let i = 0; i < frames; i++) {
    const s = performance.now()
    const r = await human.detect(video)
    result.frames.push(performance.now() - s)
    // Faces the detector is at least 50% sure of (its threshold here is 0.2, as on the Node side, which then applies its own).
    result.faces.push(r.face.filter((f) => (f.boxScore ?? f.score) >= 0.5).length)
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  const sorted = [...result.frames].sort((a, b) => a - b)
  result.p50 = percentile(sorted, 50)
  result.p95 = percentile(sorted, 95)
  result.done = true
  $('status').textContent = 'done'
  $('result').textContent = JSON.stringify(
    {
      backend: result.backend,
      simd: result.simd,
      loadMs: result.loadMs,
      warmupMs: result.warmupMs,
      p50: result.p50,
      p95: result.p95,
      faces: result.faces,
    },
    null,
    1,
  )
}

main().catch((error) => {
  result.error = String(error?.message ?? error)
  result.done = true
  $('status').textContent = 'failed'
  $('result').textContent = result.error
})
