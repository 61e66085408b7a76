// Worker thread: one face pipeline (onnxruntime, or tfjs on WASM), loaded once, answers analyze requests one at
// a time. Imported by the main thread for its types only; it runs only inside a worker.
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads'
import sharp from 'sharp'
import { round } from '../lib/format.ts'
import type { FacePipeline, FaceFinding } from './face-pipeline.ts'
import type { Box, DetectedFace, FaceAnalysis, FaceBackend, FaceStageTimings, FrameImage } from './face-types.ts'
import { FACE_MODEL_ID, WARMUP_IMAGE } from './human-loader.ts'
import { decodeFrameImage, decodeImage, type RawImage } from './image-decode.ts'
import { ImageError } from './image-errors.ts'
import { loadOnnxPipeline } from './ort/onnx-face-pipeline.ts'
import { loadPadModel, type PadModel } from './pad/pad-model.ts'
import { threadCpuClock } from './thread-cpu.ts'
import { loadTfjsPipeline } from './tfjs-face-pipeline.ts'

export interface FaceWorkerOptions {
  /** Longer side, in pixels, that frames are downscaled to before detection. */
  maxSide: number
  /** Where the networks run: onnxruntime, or tfjs on WASM (the reference). */
  backend: FaceBackend
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

/** This worker thread's CPU clock (null off Linux, and on the main thread, which imports this file for types). */
const cpuClock = isMainThread ? null : threadCpuClock()

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
  let pipeline: FacePipeline
  try {
    // The presentation-attack classifier is pure JS over the decoded frame: the same on either backend. Without
    // readable weights every face scores null, which decide() refers once the calibration sets a pad threshold.
    const pad = loadPadModelOrNull()
    const networks = options.backend === 'onnx' ? await loadOnnxPipeline(cpuClock) : await loadTfjsPipeline(cpuClock)
    pipeline = withPad(networks, pad)
    await warmUp(pipeline, options.maxSide)
  } catch (error) {
    port.postMessage({ type: 'init-error', message: (error as Error).message } satisfies FaceWorkerReply)
    return
  }
  let analyzed = 0
  let closing = false
  // Analyses run one after the other (Human is not re-entrant; one onnxruntime session per model). Decoding
  // (sharp, on libuv threads) of the next frame starts at once and overlaps the current analysis.
  let queue: Promise<void> = Promise.resolve()

  port.on('message', (request: FaceWorkerRequest) => {
    if (request.type === 'close') {
      closing = true
      void queue.then(() => process.exit(0))
      return
    }
    if (request.type === 'stats') {
      const memory = pipeline.memory()
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
        const analysis = await analyzeFrame(pipeline, frame, decodeMs)
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
 * The first detections of a fresh worker are slow (measured on tfjs: 520 ms, then 200, then ~125 steady): memory
 * grows for the first large frame and each model's kernels are set up on first use. The pipeline's own warm-up,
 * then two passes over a face photo that Human ships, run every per-face model.
 */
async function warmUp(pipeline: FacePipeline, maxSide: number): Promise<void> {
  await pipeline.warmUp(maxSide)
  const frame = await decodeFrame(await readFile(WARMUP_IMAGE), maxSide)
  for (let i = 0; i < 2; i++) await analyzeFrame(pipeline, frame, 0)
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

/** Runs the pipeline on one decoded frame; boxes are mapped back to the full-size image, largest face first. */
async function analyzeFrame(pipeline: FacePipeline, frame: Frame, decodeMs: number): Promise<FaceAnalysis> {
  const { raw } = frame
  const { faces: found, timings: t } = await pipeline.analyze(raw, MAX_DESCRIBED)
  const scaleX = frame.width / raw.width
  const scaleY = frame.height / raw.height
  const faces = found
    .map((face) => toDetectedFace(face, scaleX, scaleY))
    .sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])
  const timings: FaceStageTimings = {
    decodeMs: round(decodeMs, 1),
    detectMs: round(t.detectMs, 1),
    embedMs: round(t.embedMs, 1),
    livenessMs: round(t.livenessMs, 1),
    ...(t.cpuMs
      ? {
          cpuMs: {
            detect: round(t.cpuMs.detect, 1),
            embed: round(t.cpuMs.embed, 1),
            liveness: round(t.cpuMs.liveness, 1),
          },
        }
      : {}),
  }
  return { width: frame.width, height: frame.height, faces, model: FACE_MODEL_ID, timings }
}

/** Adds the classifier's score to every face the networks found, on the frame they found it in. */
function withPad(pipeline: FacePipeline, pad: PadModel | null): FacePipeline {
  if (!pad) return pipeline
  return {
    warmUp: (maxSide) => pipeline.warmUp(maxSide),
    memory: () => pipeline.memory(),
    analyze: async (frame, maxFaces) => {
      const result = await pipeline.analyze(frame, maxFaces)
      const start = performance.now()
      const faces = result.faces.map((face) => ({ ...face, pad: padScoreOrNull(pad, frame, face.box) }))
      // Counted with liveness: both judge the presentation, and the classifier takes a few ms at most.
      const timings = { ...result.timings, livenessMs: result.timings.livenessMs + performance.now() - start }
      return { faces, timings }
    },
  }
}

function loadPadModelOrNull(): PadModel | null {
  try {
    return loadPadModel()
  } catch {
    return null
  }
}

function padScoreOrNull(pad: PadModel, frame: RawImage, box: Box): number | null {
  try {
    return round(pad.score(frame, box), 4)
  } catch {
    return null // an empty box: decide() refers a face without a score
  }
}

function toDetectedFace(face: FaceFinding, scaleX: number, scaleY: number): DetectedFace {
  const [x, y, w, h] = face.box
  const box: Box = [Math.round(x * scaleX), Math.round(y * scaleY), Math.round(w * scaleX), Math.round(h * scaleY)]
  return {
    box,
    detectorScore: face.boxScore,
    meshScore: face.faceScore,
    faceSizePx: Math.min(box[2], box[3]),
    antispoof: face.antispoof,
    liveness: face.liveness,
    pad: face.pad ?? null,
    pose: face.pose,
    embedding: face.embedding.length > 0 ? face.embedding : new Float32Array(0),
    geometry: face.geometry,
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
