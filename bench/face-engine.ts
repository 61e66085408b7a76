// Face engine benchmark: per-stage latency (one request at a time) and throughput (2 requests in flight per worker).
// Usage: node --import tsx bench/face-engine.ts [--iterations 5] [--workers 1,2] [--max-side 1280]
// Inputs: the group photos that @vladmandic/face-api ships, and one-face kiosk frames made from them
// (the largest face of each photo, pasted on a plain 1280x720 or 640x480 background).
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import sharp from 'sharp'
import type { FaceAnalysis, FaceStageTimings } from '../models/face-types.ts'
import { startFaceEngine, DEFAULT_MAX_SIDE, type FaceEnginePool } from '../models/face-engine.ts'
import { parseFaceBackend } from '../models/face-backend.ts'
import { fmt, loadAverage, quantile } from './bench-figures.ts'

interface ImageSet {
  name: string
  images: Buffer[]
}

interface Sample {
  timings: FaceStageTimings
  roundTripMs: number
  faces: number
}

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '5' },
    workers: { type: 'string', default: '1,2' },
    'max-side': { type: 'string', default: String(DEFAULT_MAX_SIDE) },
  },
})
const iterations = Number(values.iterations)
const workerCounts = values.workers.split(',').map(Number)
const maxSide = Number(values['max-side'])
const backend = parseFaceBackend(process.env.FACE_BACKEND)

const require = createRequire(import.meta.url)
const demo = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo')
const photos = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => readFile(path.join(demo, `sample${i}.jpg`))))

console.log(
  `face engine bench: ${os.cpus().length} cores, load average ${loadAverage()}, ` +
    `${iterations} iterations, maxSide ${maxSide}`,
)
const sets = await buildImageSets()
for (const set of sets) console.log(`  ${set.name}: ${set.images.length} images`)

for (const workers of workerCounts) {
  const started = performance.now()
  const engine = await startFaceEngine({ workers, maxSide, requestTimeoutMs: 60_000, backend })
  console.log(`\n${workers} worker(s), started in ${Math.round(performance.now() - started)} ms`)
  try {
    for (const set of sets) {
      await runPass(engine, set.images, 1, 1) // warm: first frames of a size are slower
      const sequential = await runPass(engine, set.images, iterations, 1)
      const loadedStart = performance.now()
      const loaded = await runPass(engine, set.images, iterations, 2 * workers)
      const perSecond = loaded.length / ((performance.now() - loadedStart) / 1000)
      report(set.name, sequential, loaded, perSecond)
    }
  } finally {
    await engine.close()
  }
}
console.log(`\nload average at the end ${loadAverage()} (other processes on this machine skew wall times)`)

async function runPass(engine: FaceEnginePool, images: Buffer[], rounds: number, inFlight: number): Promise<Sample[]> {
  const queue = Array.from({ length: rounds }, () => images).flat()
  const samples: Sample[] = []
  const lane = async () => {
    for (let image = queue.shift(); image; image = queue.shift()) {
      const start = performance.now()
      const analysis = await engine.analyze(image)
      samples.push({ timings: analysis.timings, roundTripMs: performance.now() - start, faces: analysis.faces.length })
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  return samples
}

function report(name: string, sequential: Sample[], loaded: Sample[], perSecond: number): void {
  const faces = [...new Set(sequential.map((s) => s.faces))].sort().join('/')
  console.log(`  ${name} (faces per image: ${faces})`)
  const stage = (label: string, pick: (s: Sample) => number) =>
    console.log(
      `    ${label.padEnd(22)} p50 ${fmt(quantile(sequential.map(pick), 0.5))}  ` +
        `p95 ${fmt(quantile(sequential.map(pick), 0.95))}`,
    )
  stage('decode', (s) => s.timings.decodeMs)
  stage('detect (+mesh, crops)', (s) => s.timings.detectMs)
  stage('embed (face-api ResNet, mirrored)', (s) => s.timings.embedMs)
  stage('liveness (+antispoof)', (s) => s.timings.livenessMs)
  stage('worker total', (s) => s.timings.decodeMs + s.timings.detectMs + s.timings.embedMs + s.timings.livenessMs)
  stage('round trip', (s) => s.roundTripMs)
  const loadedRoundTrip = loaded.map((s) => s.roundTripMs)
  console.log(
    `    throughput             ${perSecond.toFixed(1)} images/s (${loaded.length} images, ` +
      `round trip p50 ${fmt(quantile(loadedRoundTrip, 0.5))} p95 ${fmt(quantile(loadedRoundTrip, 0.95))})`,
  )
}

async function buildImageSets(): Promise<ImageSet[]> {
  // Face boxes come from the engine itself; a kiosk frame is kept only when the engine sees exactly one face in it.
  const finder = await startFaceEngine({ workers: 1, maxSide, backend })
  try {
    const analyses = await Promise.all(photos.map((photo) => finder.analyze(photo)))
    const frames = async (width: number, height: number) => {
      const made = await Promise.all(
        photos.map((photo, i) => kioskFrame(photo, analyses[i] as FaceAnalysis, width, height)),
      )
      const counts = await Promise.all(made.map(async (frame) => (await finder.analyze(frame)).faces.length))
      return made.filter((_, i) => counts[i] === 1)
    }
    return [
      { name: 'kiosk 1280x720, 1 face', images: await frames(1280, 720) },
      { name: 'kiosk 640x480, 1 face', images: await frames(640, 480) },
      { name: 'group photos 1920px', images: photos },
    ]
  } finally {
    await finder.close()
  }
}

/** The largest face of a group photo, cropped and pasted on a plain background of a camera's size. */
async function kioskFrame(photo: Buffer, analysis: FaceAnalysis, width: number, height: number): Promise<Buffer> {
  const face = analysis.faces[0]
  if (!face) throw new Error('sample without a face')
  const [x, y, w, h] = face.box
  const side = Math.round(Math.max(w, h) * 1.15)
  const left = Math.max(0, Math.round(x + w / 2 - side / 2))
  const top = Math.max(0, Math.round(y + h / 2 - side / 2))
  const faceSide = Math.round(height / 2)
  const crop = await sharp(photo)
    .extract({ left, top, width: Math.min(side, analysis.width - left), height: Math.min(side, analysis.height - top) })
    .resize(faceSide, faceSide, { fit: 'fill' })
    .toBuffer()
  const background = { width, height, channels: 3 as const, background: { r: 120, g: 125, b: 130 } }
  return sharp({ create: background })
    .composite([{ input: crop, left: Math.round((width - faceSide) / 2), top: Math.round((height - faceSide) / 3) }])
    .jpeg({ quality: 90 })
    .toBuffer()
}
