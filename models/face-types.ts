// The face engine's contract, shared by enrolment (server) and verification (kiosk).

/** Which model produced a template. Templates of another model are never compared. */
export interface FaceModelId {
  name: string
  version: string
}

/** Where the engine's networks run: onnxruntime-node (the default), or tfjs on WASM (the reference). */
export type FaceBackend = 'onnx' | 'tfjs'

export type Box = [x: number, y: number, width: number, height: number]

export interface DetectedFace {
  /** Pixels, in the EXIF-oriented image. */
  box: Box
  /** Detector (box) confidence, 0..1. */
  detectorScore: number
  /** Mesh confidence, 0..1. */
  meshScore: number
  /** Shorter side of the face box in pixels. */
  faceSizePx: number
  /** Anti-spoof "real" score 0..1, or null when the model gave none. */
  antispoof: number | null
  /** Liveness score 0..1, or null when the model gave none. */
  liveness: number | null
  /** Head pose in radians, when the mesh gave it. */
  pose: { yaw: number; pitch: number; roll: number } | null
  /** L2-normalised descriptor; empty when the descriptor model failed. */
  embedding: Float32Array
}

export interface FaceStageTimings {
  decodeMs: number
  detectMs: number
  embedMs: number
  livenessMs: number
  /** CPU time of the face worker's thread in each stage, where the platform reports it (Linux). */
  cpuMs?: { detect: number; embed: number; liveness: number }
}

export interface FaceAnalysis {
  width: number
  height: number
  /** Largest face first. */
  faces: DetectedFace[]
  model: FaceModelId
  timings: FaceStageTimings
}

export interface FaceEngine {
  readonly model: FaceModelId
  /** Encoded image (JPEG, PNG, WebP) in, faces out. Rejects with an ImageError or FaceEngineError. */
  analyze(image: Uint8Array): Promise<FaceAnalysis>
  close(): Promise<void>
}
