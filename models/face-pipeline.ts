// What a face worker runs on one decoded frame, whatever the backend: faces found (boxes in the frame's pixels),
// their scores, pose and descriptor, and how long each stage took. models/face-worker.ts owns the messages and
// decoding and maps these to the engine's DetectedFace; tfjs-face-pipeline.ts and ort/onnx-face-pipeline.ts
// implement it.
import type { FaceGeometry } from './face-types.ts'
import type { RawImage } from './image-decode.ts'

export interface FaceFinding {
  /** [x, y, w, h] in the frame's pixels (Human's `face.box`). */
  box: [number, number, number, number]
  /** Detector and mesh confidence, rounded to 2 decimals as Human rounds them. */
  boxScore: number
  faceScore: number
  /** Anti-spoof "real" and liveness scores, 0 when the model gave none (Human drops a score that rounds to 0). */
  antispoof: number
  liveness: number
  /** Presentation-attack classifier's bona fide probability (models/pad), added by the worker; absent: not run. */
  pad?: number | null
  pose: { yaw: number; pitch: number; roll: number } | null
  /** L2-normalised 128-d descriptor, or empty. */
  embedding: Float32Array
  /** The liveness challenge's mesh measures (liveness-geometry.ts), null without a valid mesh. */
  geometry: FaceGeometry | null
}

export interface PipelineTimings {
  detectMs: number
  embedMs: number
  livenessMs: number
  /** This thread's CPU time per stage, where the platform reports it. */
  cpuMs?: { detect: number; embed: number; liveness: number }
}

export interface FacePipeline {
  /** At most `maxFaces` faces, in the detector's order. */
  analyze(frame: RawImage, maxFaces: number): Promise<{ faces: FaceFinding[]; timings: PipelineTimings }>
  /** Work before the first real frame (heap growth, kernel set-up), given the largest frame size. */
  warmUp(maxSide: number): Promise<void>
  /** tfjs tensors alive (0 where no tfjs runs): must stay flat across calls. */
  memory(): { numTensors: number; numBytes: number }
}

/** A clock of this thread's CPU ms, or null; stage CPU figures are left out without one. */
export type CpuClock = (() => number) | null
