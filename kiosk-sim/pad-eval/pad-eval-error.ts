import { CodedError } from '../../lib/coded-error.ts'

export type PadEvalErrorCode =
  'PAD_MANIFEST_UNREADABLE' | 'PAD_MANIFEST_INVALID' | 'PAD_ANALYSES_INVALID' | 'PAD_ANALYSES_MISMATCH'

/** A PAD evaluation that cannot run on its input; `code` is stable, the message names the first problem. */
export class PadEvalError extends CodedError<PadEvalErrorCode> {}
