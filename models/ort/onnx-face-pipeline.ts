// The engine on onnxruntime: Human's detector, mesh, anti-spoof and liveness, then face-api's descriptor, with
// the pre- and post-processing of both libraries ported to plain TypeScript (files beside this one). No tfjs runs
// here. Human's settings (maxDetected, thresholds, box scale) are read from the tfjs path's configuration, so the
// two backends cannot drift apart.
import { buildHumanConfig } from '../human-loader.ts'
import type { RawImage } from '../image-decode.ts'
import type { CpuClock, FaceFinding, FacePipeline, PipelineTimings } from '../face-pipeline.ts'
import { detectFaceBoxes, type DetectorConfig } from './blazeface.ts'
import { faceGeometry } from '../liveness-geometry.ts'
import { faceAngle } from './face-angles.ts'
import { ANTISPOOF_INPUT_SIZE, LIVENESS_INPUT_SIZE, faceScore } from './face-scores.ts'
import { MESH_INPUT_SIZE, meshFace } from './facemesh.ts'
import { loadOnnxFaceApi, onnxFaceDescriptor } from './onnx-descriptor.ts'
import { createSession } from './ort-session.ts'

export async function loadOnnxPipeline(cpuClock: CpuClock): Promise<FacePipeline> {
  const [blazeface, facemesh, antispoof, liveness, faceapi] = await Promise.all([
    createSession('human-blazeface'),
    createSession('human-facemesh'),
    createSession('human-antispoof'),
    createSession('human-liveness'),
    loadOnnxFaceApi(),
  ])
  const detector = detectorConfig()
  const clock = cpuClock ?? (() => 0)

  return {
    memory: () => ({ numTensors: 0, numBytes: 0 }),
    warmUp: async () => undefined,
    analyze: async (raw: RawImage, maxFaces: number) => {
      const frame = { width: raw.width, height: raw.height, data: raw.data }
      const stage = { detect: [0, 0], embed: [0, 0], liveness: [0, 0] }
      const time = async <T>(name: keyof typeof stage, fn: () => Promise<T>): Promise<T> => {
        const [wall, cpu] = [performance.now(), clock()]
        try {
          return await fn()
        } finally {
          stage[name][0]! += performance.now() - wall
          stage[name][1]! += clock() - cpu
        }
      }
      const faces: FaceFinding[] = []
      const boxes = await time('detect', () => detectFaceBoxes(blazeface, frame, detector))
      for (const box of boxes) {
        if (faces.length >= maxFaces) break
        const face = await time('detect', () => meshFace(facemesh, frame, box, detector.minConfidence))
        // Human keeps a face whose score (the mesh's, or the detector's when the mesh is unsure) is above it.
        if (!(face.score > detector.minConfidence)) continue
        const pose =
          face.mesh.length > 200 ? faceAngle(face.mesh, face.boxRaw, raw.width, raw.height, MESH_INPUT_SIZE) : null
        const [real, live] = await time('liveness', async () => [
          await faceScore(antispoof, face.crop, MESH_INPUT_SIZE, ANTISPOOF_INPUT_SIZE),
          await faceScore(liveness, face.crop, MESH_INPUT_SIZE, LIVENESS_INPUT_SIZE),
        ])
        const embedding = await time('embed', () => onnxFaceDescriptor(faceapi, frame, face.box))
        faces.push({
          box: face.box,
          boxScore: face.boxScore,
          faceScore: face.faceScore,
          antispoof: real!,
          liveness: live!,
          pose,
          embedding,
          geometry: faceGeometry(face.mesh),
        })
      }
      const timings: PipelineTimings = {
        detectMs: stage.detect[0]!,
        embedMs: stage.embed[0]!,
        livenessMs: stage.liveness[0]!,
        ...(cpuClock
          ? { cpuMs: { detect: stage.detect[1]!, embed: stage.embed[1]!, liveness: stage.liveness[1]! } }
          : {}),
      }
      return { faces, timings }
    },
  }
}

function detectorConfig(): DetectorConfig {
  const detector = buildHumanConfig().face?.detector
  const { maxDetected, minConfidence, iouThreshold, scale } = detector ?? {}
  if (maxDetected === undefined || minConfidence === undefined || iouThreshold === undefined || scale === undefined)
    throw new Error('Human detector settings incomplete')
  return { maxDetected, minConfidence, iouThreshold, scale }
}
