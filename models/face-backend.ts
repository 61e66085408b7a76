// Which runtime the face engine's networks run on. onnxruntime is the default; tfjs on WASM is the reference that
// the onnxruntime path is checked against (test/models/backend-equivalence.test.ts) and stays selectable.
import type { FaceBackend } from './face-types.ts'

export const DEFAULT_FACE_BACKEND: FaceBackend = 'onnx'
export const FACE_BACKENDS: readonly FaceBackend[] = ['onnx', 'tfjs']

/** The value of FACE_BACKEND (read by entry points only): empty means the default; anything unknown is an error. */
export function parseFaceBackend(value: string | undefined): FaceBackend {
  if (value === undefined || value === '') return DEFAULT_FACE_BACKEND
  const backend = FACE_BACKENDS.find((b) => b === value)
  if (!backend) throw new Error(`FACE_BACKEND must be one of ${FACE_BACKENDS.join(', ')}, got ${JSON.stringify(value)}`)
  return backend
}
