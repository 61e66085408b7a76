import { CodedError } from '../lib/coded-error.ts'

/** Errors for images that cannot be used; `code` is stable and goes to API clients. */
export type ImageErrorCode = 'IMAGE_UNSUPPORTED' | 'IMAGE_TOO_LARGE' | 'IMAGE_CORRUPT'

export class ImageError extends CodedError<ImageErrorCode> {}

export class FaceEngineError extends CodedError<'FACE_ENGINE_ERROR'> {
  constructor(message: string) {
    super('FACE_ENGINE_ERROR', message)
  }
}
