// Worker thread: one Human instance, loaded once, answers analyze requests one at a time.
// Imported by the main thread for its types only; it runs only inside a worker.
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads'
import sharp from 'sharp'
import type { Tensor3D } from '@tensorflow/tfjs-core'
import type { FaceResult, Human } from '@vladmandic/human'
import { round } from '../lib/format.ts'
import type { Box, DetectedFace, FaceAnalysis, FaceStageTimings, FrameImage } from './face-types.ts'
import { decodeFrameImage, decodeImage, type RawImage } from './image-decode.ts'
import { ImageError } from './image-errors.ts'
import { FACE_MODEL_ID, WARMUP_IMAGE, loadHuman } from './human-loader.ts'
import { FACEAPI_DESCRIPTOR_LENGTH, loadFaceApi, faceDescriptor, type FaceApiModels } from './faceapi-descriptor.ts'

export interface FaceWorkerOptions {
  /** Longer side, in pixels, that frames are downscaled to before detection. */
  maxSide: number
}

export type FaceWorkerRequest =
  { type: 'analyze'; id: number; image: FrameImage } | { type: 'stats'; id: number } | { type: 'close' }

export interface FaceWorkerStats {
  /** tfjs tensors alive in this worker: must stay flat across calls. */
  numTensors: number
  numBytes: number
  analyzed: number
}

export interface WireError {
  code: string
  message: string
}

export type FaceWorkerReply =
  | { type: 'ready' }
  | { type: 'init-error'; message: string }
  | { type: 'analysis'; id: number; analysis: FaceAnalysis }
  | { type: 'stats'; id: number; stats: FaceWorkerStats }
  | { type: 'error'; id: number; error: WireError }

/** Niceness of a face worker thread: inference yields the CPU to the latency-bound threads of its process. */
const FACE_WORKER_NICENESS = 10

if (!isMainThread && parentPort) void runWorker(parentPort, workerData as FaceWorkerOptions)

async function runWorker(port: MessagePort, options: FaceWorkerOptions): Promise<void> {
  // Inference is throughput work that can take every idle cycle; the event loops that answer HTTP, read QR codes
  // and wait on the server are latency work. On Linux, setpriority(0) applies to the calling thread only, so this
  // lowers this worker alone. Where it is not permitted, the worker runs at normal priority.
  try {
    os.setPriority(FACE_WORKER_NICENESS)
  } catch {
    // not permitted here: normal priority
  }
  let human: Human
  let marks: StageMarks
  let faceapi: FaceApiModels
  try {
    human = await loadHuman()
    faceapi = await loadFaceApi(human)
    marks = recordStageMarks(human)
    await warmUp(human, faceapi, marks, options.maxSide)
  } catch (error) {
    port.postMessage({ type: 'init-error', message: (error as Error).message } satisfies FaceWorkerReply)
    return
  }
  let analyzed = 0
  let closing = false
  // Human is not re-entrant: detections run one after the other. Decoding (sharp, on libuv threads)
  // of the next frame starts at once and overlaps the current detection.
  let queue: Promise<void> = Promise.resolve()

  port.on('message', (request: FaceWorkerRequest) => {
    if (request.type === 'close') {
      closing = true
      void queue.then(() => process.exit(0))
      return
    }
    if (request.type === 'stats') {
      const memory = human.tf.memory()
      const stats: FaceWorkerStats = { numTensors: memory.numTensors, numBytes: memory.numBytes, analyzed }
      port.postMessage({ type: 'stats', id: request.id, stats } satisfies FaceWorkerReply)
      return
    }
    const { id, image } = request
    const decoding = timed(() => decodeFrame(image, options.maxSide))
    decoding.catch(() => undefined) // awaited in turn below; this only stops an early unhandled rejection
    queue = queue.then(async () => {
      if (closing) return
      try {
        const { value: frame, ms: decodeMs } = await decoding
        const analysis = await analyzeFrame(human, faceapi, marks, frame, decodeMs)
        analyzed++
        port.postMessage({ type: 'analysis', id, analysis } satisfies FaceWorkerReply, transferables(analysis))
      } catch (error) {
        port.postMessage({ type: 'error', id, error: toWireError(error) } satisfies FaceWorkerReply)
      }
    })
  })
  port.postMessage({ type: 'ready' } satisfies FaceWorkerReply)
}

/**
 * The first detections of a fresh worker are slow (measured: 520 ms, then 200, then ~125 steady): the WASM heap
 * grows for the first large frame and each model's kernels are set up on first use. A blank frame of the largest
 * size grows the heap; two passes over a face photo that Human ships run every per-face model.
 */
async function warmUp(human: Human, faceapi: FaceApiModels, marks: StageMarks, maxSide: number): Promise<void> {
  const blank = human.tf.zeros([1, maxSide, maxSide, 3]) as Parameters<Human['detect']>[0]
  try {
    await human.detect(blank)
  } finally {
    human.tf.dispose(blank)
  }
  const frame = await decodeFrame(await readFile(WARMUP_IMAGE), maxSide)
  for (let i = 0; i < 2; i++) await analyzeFrame(human, faceapi, marks, frame, 0)
}

interface Frame {
  raw: RawImage
  /** Size of the EXIF-oriented image before any downscale: boxes are reported in these pixels. */
  width: number
  height: number
}

async function decodeFrame(image: FrameImage, maxSide: number): Promise<Frame> {
  // Raw pixels come decoded already (a live camera frame): boxes are reported in their own size.
  if (!(image instanceof Uint8Array)) {
    return { raw: await decodeFrameImage(image, { channels: 3, maxSide }), width: image.width, height: image.height }
  }
  const raw = await decodeImage(image, { channels: 3, maxSide })
  // decodeImage has validated the header; read the oriented full size to map boxes back to it.
  const meta = await sharp(image).metadata()
  const width = meta.autoOrient?.width ?? raw.width
  const height = meta.autoOrient?.height ?? raw.height
  return { raw, width, height }
}

/** Most faces described per frame (Human's `maxDetected`). */
const MAX_DESCRIBED = 3

/**
 * Runs Human on one decoded frame, then face-api's descriptor on each detected face (dlib-aligned crop cut
 * from the very tensor Human saw); boxes are mapped back to the full-size image.
 */
async function analyzeFrame(
  human: Human,
  faceapi: FaceApiModels,
  marks: StageMarks,
  frame: Frame,
  decodeMs: number,
): Promise<FaceAnalysis> {
  const { raw } = frame
  const tf = human.tf
  const start = performance.now()
  marks.reset()
  const image = tf.tensor3d(new Float32Array(raw.data), [raw.height, raw.width, 3], 'float32') as unknown as Tensor3D
  let result: Awaited<ReturnType<Human['detect']>>
  let embedMs = 0
  const embeddings: Float32Array[] = []
  try {
    const input = tf.expandDims(image as never, 0) as Parameters<Human['detect']>[0]
    try {
      result = await human.detect(input)
    } finally {
      tf.dispose(input)
    }
    if (result.error) throw new Error(`face detection failed: ${result.error}`)
    const embedStart = performance.now()
    for (const face of result.face.slice(0, MAX_DESCRIBED)) {
      const embedding = await faceDescriptor(faceapi, tf, image, face.box)
      embeddings.push(embedding.length === FACEAPI_DESCRIPTOR_LENGTH ? embedding : new Float32Array(0))
    }
    embedMs = performance.now() - embedStart
  } finally {
    tf.dispose(image)
  }
  const totalMs = performance.now() - start

  const scaleX = frame.width / raw.width
  const scaleY = frame.height / raw.height
  const faces = result.face
    .slice(0, MAX_DESCRIBED)
    .map((face, i) => toDetectedFace(face, embeddings[i] ?? new Float32Array(0), scaleX, scaleY))
    .sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])

  const livenessMs =
    marks.between('Start AntiSpoof:', 'End AntiSpoof:') + marks.between('Start Liveness:', 'End Liveness:')
  const timings: FaceStageTimings = {
    decodeMs: round(decodeMs, 1),
    // Everything else in the detection: tensor upload, blazeface, mesh, face crops, Human's bookkeeping.
    detectMs: round(Math.max(0, totalMs - embedMs - livenessMs), 1),
    // face-api: 68 landmarks, dlib-aligned crop, descriptor of the crop and of its mirror, for every face.
    embedMs: round(embedMs, 1),
    livenessMs: round(livenessMs, 1),
  }
  return { width: frame.width, height: frame.height, faces, model: FACE_MODEL_ID, timings }
}

function toDetectedFace(face: FaceResult, embedding: Float32Array, scaleX: number, scaleY: number): DetectedFace {
  const [x, y, w, h] = face.box
  const box: Box = [Math.round(x * scaleX), Math.round(y * scaleY), Math.round(w * scaleX), Math.round(h * scaleY)]
  const angle = face.rotation?.angle
  return {
    box,
    detectorScore: face.boxScore,
    meshScore: face.faceScore,
    faceSizePx: Math.min(box[2], box[3]),
    // Human drops a score that rounds to 0 (`if (res) face.real = res`); every model is checked at load,
    // so a missing value here is a 0, not a missing model.
    antispoof: face.real ?? 0,
    liveness: face.live ?? 0,
    pose: angle ? { yaw: angle.yaw, pitch: angle.pitch, roll: angle.roll } : null,
    embedding,
  }
}

interface StageMarks {
  reset(): void
  /** Sum over faces of the time from each `start` mark to the next `end` mark. */
  between(start: string, end: string): number
}

/**
 * Human times per-face models into `human.performance`, but keeps only the last face's value (or, with
 * `env.perfadd`, double-counts `face` and adds antispoof into `liveness`). It does call its public `analyze`
 * hook with a label at the start and end of every per-face model (src/face/face.ts); the hook is a no-op
 * unless memory analysis is on. Timestamping those labels gives each model's wall time for every face.
 * The WASM backend runs kernels synchronously, so the time between two labels is that model's work.
 */
function recordStageMarks(human: Human): StageMarks {
  let marks: Array<{ label: string; at: number }> = []
  human.analyze = (...msg: string[]) => {
    marks.push({ label: msg[0] ?? '', at: performance.now() })
  }
  return {
    reset: () => {
      marks = []
    },
    between: (start, end) => {
      let total = 0
      let open: number | null = null
      for (const mark of marks) {
        if (mark.label === start) open = mark.at
        else if (mark.label === end && open !== null) {
          total += mark.at - open
          open = null
        }
      }
      return total
    },
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now()
  const value = await fn()
  return { value, ms: performance.now() - start }
}

function transferables(analysis: FaceAnalysis): ArrayBuffer[] {
  return analysis.faces.map((face) => face.embedding.buffer as ArrayBuffer).filter((buffer) => buffer.byteLength > 0)
}

function toWireError(error: unknown): WireError {
  if (error instanceof ImageError) return { code: error.code, message: error.message }
  return { code: 'FACE_ENGINE_ERROR', message: error instanceof Error ? error.message : String(error) }
}
