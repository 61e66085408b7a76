/** Errors for images that cannot be used; `code` is stable and goes to API clients. */
export type ImageErrorCode = 'IMAGE_UNSUPPORTED' | 'IMAGE_TOO_LARGE' | 'IMAGE_CORRUPT'

export class ImageError extends Error {
  readonly code: ImageErrorCode
  constructor(code: ImageErrorCode, message: string) {
    super(message)
    this.name = 'ImageError'
    this.code = code
  }
}

export class FaceEngineError extends Error {
  readonly code = 'FACE_ENGINE_ERROR'
  constructor(message: string) {
    super(message)
    this.name = 'FaceEngineError'
  }
}
