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
  /** Presentation-attack classifier's bona fide probability 0..1 (models/pad), or null when it did not run. */
  pad: number | null
  /** Head pose in radians, when the mesh gave it. */
  pose: { yaw: number; pitch: number; roll: number } | null
  /** L2-normalised descriptor; empty when the descriptor model failed. */
  embedding: Float32Array
  /** What the liveness challenge reads from the mesh (models/liveness-geometry.ts); null without a mesh. */
  geometry?: FaceGeometry | null
}

/** Mesh measures of one face in one frame, dimensionless (robust to the face's size in the frame). */
export interface FaceGeometry {
  /** Nose tip off the middle of the cheek line, in face widths, towards the image's right (+) or left (-). */
  parallax: number
  /** Eye aspect ratio of the eye on the image's left and right: falls towards 0 as the eye closes. */
  earImageLeft: number
  earImageRight: number
  /** Eye line to mouth over the distance between the eyes: a blink leaves it, bending a photo changes it. */
  proportion: number
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

/** Decoded 8-bit pixels, row by row, channels interleaved: grey (1), RGB (3) or RGBA (4). */
export interface RawPixels {
  data: Uint8Array
  width: number
  height: number
  channels: 1 | 3 | 4
}

/**
 * A camera frame as the engine and the QR decoder take it: encoded (JPEG, PNG, WebP), or pixels already decoded,
 * so that a frame decoded once serves both.
 */
export type FrameImage = Uint8Array | RawPixels

export interface FaceEngine {
  readonly model: FaceModelId
  /** An encoded image or raw pixels in, faces out. Rejects with an ImageError or FaceEngineError. */
  analyze(image: FrameImage): Promise<FaceAnalysis>
  close(): Promise<void>
}
