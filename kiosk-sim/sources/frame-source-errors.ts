// Errors of the live frame sources (ffmpeg, clips); `code` is stable, tests and the CLI read it.
import { CodedError } from '../../lib/coded-error.ts'

export type FrameSourceErrorCode =
  /** ffmpeg is not installed or not on PATH (spawn ENOENT). */
  | 'FFMPEG_NOT_FOUND'
  /** The camera device or the video file cannot be opened. */
  | 'SOURCE_UNAVAILABLE'
  /** ffmpeg stopped with an error after the source had opened. */
  | 'FFMPEG_FAILED'
  /** A frame size, rate or duration that cannot make a frame stream. */
  | 'SOURCE_OPTIONS_INVALID'
  /** A clip file extension that writeVideo does not know how to encode. */
  | 'CLIP_FORMAT_UNSUPPORTED'

export class FrameSourceError extends CodedError<FrameSourceErrorCode> {}
