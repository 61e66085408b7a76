import type { FaceModelId } from './face-types.ts'

/** Descriptors of two models are never comparable: name and version must both agree. */
export function sameFaceModel(a: FaceModelId, b: FaceModelId): boolean {
  return a.name === b.name && a.version === b.version
}
