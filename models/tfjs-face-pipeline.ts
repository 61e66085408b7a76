// The reference pipeline: Human on tfjs WASM (blazeface, mesh, anti-spoof, liveness), then face-api's descriptor on
// each face (dlib-aligned crop cut from the very tensor Human saw), all on the same tfjs engine.
import type { Tensor3D } from '@tensorflow/tfjs-core'
import type { Human } from '@vladmandic/human'
import type { CpuClock, FacePipeline, FaceFinding, PipelineTimings } from './face-pipeline.ts'
import { FACEAPI_DESCRIPTOR_LENGTH, faceDescriptor, loadFaceApi } from './faceapi-descriptor.ts'
import { loadHuman } from './human-loader.ts'
import { faceGeometry } from './liveness-geometry.ts'
import type { RawImage } from './image-decode.ts'

export async function loadTfjsPipeline(cpuClock: CpuClock): Promise<FacePipeline> {
  const human = await loadHuman()
  const faceapi = await loadFaceApi(human)
  const marks = recordStageMarks(human, cpuClock)
  const tf = human.tf
  return {
    memory: () => {
      const { numTensors, numBytes } = tf.memory()
      return { numTensors, numBytes }
    },
    // The WASM heap grows for the first large frame: a blank frame of the largest size grows it once.
    warmUp: async (maxSide) => {
      const blank = tf.zeros([1, maxSide, maxSide, 3]) as Parameters<Human['detect']>[0]
      try {
        await human.detect(blank)
      } finally {
        tf.dispose(blank)
      }
    },
    analyze: async (raw: RawImage, maxFaces: number) => {
      const start = performance.now()
      const cpuStart = cpuClock?.() ?? 0
      marks.reset()
      const image = tf.tensor3d(
        new Float32Array(raw.data),
        [raw.height, raw.width, 3],
        'float32',
      ) as unknown as Tensor3D
      let result: Awaited<ReturnType<Human['detect']>>
      let embedMs: number
      let embedCpuMs: number
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
        const embedCpuStart = cpuClock?.() ?? 0
        for (const face of result.face.slice(0, maxFaces)) {
          const embedding = await faceDescriptor(faceapi, tf, image, face.box)
          embeddings.push(embedding.length === FACEAPI_DESCRIPTOR_LENGTH ? embedding : new Float32Array(0))
        }
        embedMs = performance.now() - embedStart
        embedCpuMs = (cpuClock?.() ?? 0) - embedCpuStart
      } finally {
        tf.dispose(image)
      }
      const totalMs = performance.now() - start
      const totalCpuMs = (cpuClock?.() ?? 0) - cpuStart
      const faces: FaceFinding[] = result.face.slice(0, maxFaces).map((face, i) => {
        const angle = face.rotation?.angle
        return {
          box: face.box,
          boxScore: face.boxScore,
          faceScore: face.faceScore,
          // Human drops a score that rounds to 0 (`if (res) face.real = res`); every model is checked at load,
          // so a missing value here is a 0, not a missing model.
          antispoof: face.real ?? 0,
          liveness: face.live ?? 0,
          pose: angle ? { yaw: angle.yaw, pitch: angle.pitch, roll: angle.roll } : null,
          embedding: embeddings[i] ?? new Float32Array(0),
          geometry: faceGeometry(face.mesh),
        }
      })
      const livenessMs = marks.between(LIVENESS_MARKS) + marks.between(ANTISPOOF_MARKS)
      const livenessCpuMs = marks.cpuBetween(LIVENESS_MARKS) + marks.cpuBetween(ANTISPOOF_MARKS)
      const timings: PipelineTimings = {
        // Everything else in the detection: tensor upload, blazeface, mesh, face crops, Human's bookkeeping.
        detectMs: Math.max(0, totalMs - embedMs - livenessMs),
        // face-api: 68 landmarks, dlib-aligned crop, descriptor of the crop and of its mirror, for every face.
        embedMs,
        livenessMs,
        ...(cpuClock
          ? {
              cpuMs: {
                detect: Math.max(0, totalCpuMs - embedCpuMs - livenessCpuMs),
                embed: embedCpuMs,
                liveness: livenessCpuMs,
              },
            }
          : {}),
      }
      return { faces, timings }
    },
  }
}

const ANTISPOOF_MARKS: [string, string] = ['Start AntiSpoof:', 'End AntiSpoof:']
const LIVENESS_MARKS: [string, string] = ['Start Liveness:', 'End Liveness:']

interface StageMarks {
  reset(): void
  /** Sum over faces of the time from each start mark to the next end mark. */
  between(labels: [start: string, end: string]): number
  /** The same for this thread's CPU time. */
  cpuBetween(labels: [start: string, end: string]): number
}

/**
 * Human times per-face models into `human.performance`, but keeps only the last face's value (or, with
 * `env.perfadd`, double-counts `face` and adds antispoof into `liveness`). It does call its public `analyze`
 * hook with a label at the start and end of every per-face model (src/face/face.ts); the hook is a no-op
 * unless memory analysis is on. Timestamping those labels gives each model's wall time for every face.
 * The WASM backend runs kernels synchronously, so the time between two labels is that model's work.
 */
function recordStageMarks(human: Human, cpuClock: CpuClock): StageMarks {
  let marks: Array<{ label: string; at: number; cpu: number }> = []
  human.analyze = (...msg: string[]) => {
    marks.push({ label: msg[0] ?? '', at: performance.now(), cpu: cpuClock?.() ?? 0 })
  }
  const sum = (start: string, end: string, pick: (mark: { at: number; cpu: number }) => number) => {
    let total = 0
    let open: number | null = null
    for (const mark of marks) {
      if (mark.label === start) open = pick(mark)
      else if (mark.label === end && open !== null) {
        total += pick(mark) - open
        open = null
      }
    }
    return total
  }
  return {
    reset: () => {
      marks = []
    },
    between: ([start, end]) => sum(start, end, (mark) => mark.at),
    cpuBetween: ([start, end]) => sum(start, end, (mark) => mark.cpu),
  }
}
