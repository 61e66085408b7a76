// The face engine: a pool of worker threads, each with its own models (onnxruntime sessions, or Human and face-api
// on tfjs WASM for the reference backend). The event loop only posts bytes.
// sharp is loaded here on purpose: libvips must stay loaded in the main thread, or glibc unloads it when a
// worker that used it exits, and the process crashes (sharp's documentation on worker threads).
import 'sharp'
import { Worker } from 'node:worker_threads'
import type { FaceAnalysis, FaceBackend, FaceEngine, FaceModelId, FrameImage } from './face-types.ts'
import type {
  FaceWorkerOptions,
  FaceWorkerReply,
  FaceWorkerRequest,
  FaceWorkerStats,
  WireError,
} from './face-worker.ts'
import { DEFAULT_FACE_BACKEND, FACE_BACKENDS } from './face-backend.ts'
import { FACE_MODEL_ID } from './human-loader.ts'
import { FaceEngineError, ImageError, type ImageErrorCode } from './image-errors.ts'

export interface FaceEngineOptions {
  /** Worker threads, each with its own models (about 20 faces/s per core on onnxruntime, 7 on tfjs). Default 1. */
  workers?: number
  /** A request not answered in this time rejects with FaceEngineError. Default 10 s. */
  requestTimeoutMs?: number
  /** Time allowed for a worker to load its models. Default 60 s. */
  startTimeoutMs?: number
  /** Frames are downscaled so that their longer side is at most this many pixels. Default 1280. */
  maxSide?: number
  /** Where the networks run. Default 'onnx'; 'tfjs' is the reference path (tfjs on WASM). */
  backend?: FaceBackend
}

export interface FaceEnginePool extends FaceEngine {
  /** Where this engine's networks run. */
  readonly backend: FaceBackend
  /** Per-worker tensor counts, for leak checks. */
  stats(): Promise<FaceWorkerStats[]>
}

export const DEFAULT_MAX_SIDE = 1280
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
const DEFAULT_START_TIMEOUT_MS = 60_000
const CLOSE_GRACE_MS = 2_000
// Workers run the TypeScript that ships. On Node 20, `execArgv: ['--import', 'tsx']` does not reach a worker's
// entry module ("Unknown file extension .ts", under node and under tap alike), so a two-line boot script
// registers tsx's loader inside the worker and then imports the worker module.
const WORKER_MODULE = JSON.stringify(new URL('./face-worker.ts', import.meta.url).href)
const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => { tsx.register(); return import(${WORKER_MODULE}) })`
const IMAGE_ERROR_CODES: ReadonlySet<string> = new Set<ImageErrorCode>([
  'IMAGE_UNSUPPORTED',
  'IMAGE_TOO_LARGE',
  'IMAGE_CORRUPT',
])

/** Starts the workers and resolves once every one has loaded its models; rejects with FaceEngineError if any cannot. */
export async function startFaceEngine(options: FaceEngineOptions = {}): Promise<FaceEnginePool> {
  const workers = options.workers ?? 1
  if (!Number.isInteger(workers) || workers < 1)
    throw new FaceEngineError(`workers must be a positive integer, got ${workers}`)
  const backend = options.backend ?? DEFAULT_FACE_BACKEND
  if (!FACE_BACKENDS.includes(backend)) throw new FaceEngineError(`unknown face backend ${JSON.stringify(backend)}`)
  const settings: PoolSettings = {
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    worker: { maxSide: options.maxSide ?? DEFAULT_MAX_SIDE, backend },
  }
  const slots = Array.from({ length: workers }, () => new WorkerSlot(settings))
  try {
    await Promise.all(slots.map((slot) => slot.ready))
  } catch (error) {
    await Promise.all(slots.map((slot) => slot.close()))
    throw new FaceEngineError(`face engine failed to start: ${(error as Error).message}`)
  }
  return new FacePool(slots, backend)
}

interface PoolSettings {
  requestTimeoutMs: number
  startTimeoutMs: number
  worker: FaceWorkerOptions
}

class FacePool implements FaceEnginePool {
  readonly model: FaceModelId = FACE_MODEL_ID
  readonly #slots: WorkerSlot[]
  #closed = false

  constructor(
    slots: WorkerSlot[],
    readonly backend: FaceBackend,
  ) {
    this.#slots = slots
  }

  async analyze(image: FrameImage): Promise<FaceAnalysis> {
    if (this.#closed) throw new FaceEngineError('face engine is closed')
    const bytes = image instanceof Uint8Array ? image : image?.data
    if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0)
      throw new ImageError('IMAGE_UNSUPPORTED', 'empty image')
    // A copy is transferred: the caller keeps its buffer.
    const copy = new Uint8Array(bytes)
    const sent: FrameImage =
      image instanceof Uint8Array
        ? copy
        : { data: copy, width: image.width, height: image.height, channels: image.channels }
    return this.#leastBusy().request<FaceAnalysis>((id) => ({ type: 'analyze', id, image: sent }), [copy.buffer])
  }

  async stats(): Promise<FaceWorkerStats[]> {
    return Promise.all(this.#slots.map((slot) => slot.request<FaceWorkerStats>((id) => ({ type: 'stats', id }))))
  }

  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(this.#slots.map((slot) => slot.close()))
  }

  #leastBusy(): WorkerSlot {
    let best: WorkerSlot | undefined
    for (const slot of this.#slots) {
      if (slot.state === 'failed' || slot.state === 'closed') continue
      if (!best || slot.load < best.load) best = slot
    }
    if (!best) throw new FaceEngineError('no face worker is running')
    return best
  }
}

interface Pending {
  resolve: (value: never) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
}

type SlotState = 'starting' | 'ready' | 'failed' | 'closed'

/** One worker thread, restarted when it crashes or hangs. Requests carry an id; replies settle them. */
class WorkerSlot {
  state: SlotState = 'starting'
  /** Resolves when the first worker has loaded its models. */
  readonly ready: Promise<void>
  readonly #settings: PoolSettings
  readonly #pending = new Map<number, Pending>()
  #worker!: Worker
  #exited!: Promise<void>
  #nextId = 1
  #lastActivityAt = 0
  #lastError: Error | null = null
  #onReady: () => void = () => undefined
  #onStartFailure: (error: Error) => void = () => undefined

  constructor(settings: PoolSettings) {
    this.#settings = settings
    this.ready = new Promise<void>((resolve, reject) => {
      this.#onReady = resolve
      this.#onStartFailure = reject
    })
    this.ready.catch(() => undefined) // startFaceEngine handles it; a restart failure has no awaiting caller
    this.#spawn()
  }

  /** Requests in flight: the pool sends new work to the slot with the fewest. Starting slots count as busier. */
  get load(): number {
    return this.#pending.size + (this.state === 'starting' ? 0.5 : 0)
  }

  request<T>(build: (id: number) => FaceWorkerRequest, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.state === 'failed' || this.state === 'closed')
      return Promise.reject(new FaceEngineError('face worker is not running'))
    const id = this.#nextId++
    const worker = this.#worker
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.#timeout(id, worker), this.#settings.requestTimeoutMs)
      this.#pending.set(id, { resolve: resolve as (value: never) => void, reject, timer })
      worker.postMessage(build(id), transfer)
    })
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return
    this.state = 'closed'
    this.#rejectAll(new FaceEngineError('face engine closed'))
    const worker = this.#worker
    // Let the worker finish the frame it is on (terminating inside native decode is unsafe), then stop it.
    worker.postMessage({ type: 'close' } satisfies FaceWorkerRequest)
    const grace = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS)
    await this.#exited
    clearTimeout(grace)
  }

  #spawn(): void {
    const worker = new Worker(WORKER_BOOT, { eval: true, workerData: this.#settings.worker })
    this.#worker = worker
    this.#exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    this.#lastError = null
    const startTimer = setTimeout(() => {
      this.#lastError = new Error(`models not loaded within ${this.#settings.startTimeoutMs} ms`)
      void worker.terminate()
    }, this.#settings.startTimeoutMs)
    worker.on('message', (reply: FaceWorkerReply) => this.#onMessage(worker, reply, startTimer))
    worker.on('error', (error) => {
      this.#lastError = error
    })
    worker.on('exit', (code) => {
      clearTimeout(startTimer)
      this.#onExit(worker, code)
    })
  }

  #onMessage(worker: Worker, reply: FaceWorkerReply, startTimer: NodeJS.Timeout): void {
    if (worker !== this.#worker) return
    this.#lastActivityAt = Date.now()
    switch (reply.type) {
      case 'ready':
        clearTimeout(startTimer)
        if (this.state === 'starting') this.state = 'ready'
        this.#onReady()
        return
      case 'init-error':
        this.#lastError = new Error(reply.message)
        void worker.terminate()
        return
      case 'analysis':
        this.#settle(reply.id, (p) => p.resolve(reply.analysis as never))
        return
      case 'stats':
        this.#settle(reply.id, (p) => p.resolve(reply.stats as never))
        return
      case 'error':
        this.#settle(reply.id, (p) => p.reject(fromWireError(reply.error)))
    }
  }

  #onExit(worker: Worker, code: number): void {
    if (worker !== this.#worker || this.state === 'closed') return
    const reason = this.#lastError?.message ?? `exit code ${code}`
    this.#rejectAll(new FaceEngineError(`face worker stopped: ${reason}`))
    if (this.state === 'starting') {
      // It never loaded its models: restarting would fail the same way.
      this.state = 'failed'
      this.#onStartFailure(new Error(reason))
      return
    }
    this.state = 'starting'
    this.#spawn()
  }

  #timeout(id: number, worker: Worker): void {
    const ms = this.#settings.requestTimeoutMs
    this.#settle(id, (p) => p.reject(new FaceEngineError(`face analysis timed out after ${ms} ms`)))
    // A worker that has said nothing for a whole timeout while it had work is hung: replace it.
    if (worker === this.#worker && this.state === 'ready' && Date.now() - this.#lastActivityAt >= ms) {
      this.#lastError = new Error(`no reply within ${ms} ms`)
      void worker.terminate()
    }
  }

  #settle(id: number, action: (pending: Pending) => void): void {
    const pending = this.#pending.get(id)
    if (!pending) return // already timed out
    this.#pending.delete(id)
    clearTimeout(pending.timer)
    action(pending)
  }

  #rejectAll(error: FaceEngineError): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, (p) => p.reject(error))
  }
}

function fromWireError(error: WireError): Error {
  if (IMAGE_ERROR_CODES.has(error.code)) return new ImageError(error.code as ImageErrorCode, error.message)
  return new FaceEngineError(error.message)
}
