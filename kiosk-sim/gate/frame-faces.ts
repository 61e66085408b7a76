import type { DetectedFace, FaceModelId } from '../../models/face-types.ts'

/** Faces found in one frame (the face engine's answer, without its timings). */
export interface FrameFaces {
  faces: readonly DetectedFace[]
  model: FaceModelId
}
