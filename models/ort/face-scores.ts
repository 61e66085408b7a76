// Human's anti-spoof and liveness models on onnxruntime, with Human's pre- and post-processing ported from
// @vladmandic/human 3.3.6 src/face/antispoof.ts and liveness.ts (MIT License, Copyright (c) Vladimir Mandic): the
// mesh's 192x192 face crop (0..1) resized bilinearly to the model's input, the first output value rounded to
// 2 decimals. One file for both: they differ only in input size (128 and 32).
import { runSession, type InferenceSession } from './ort-session.ts'
import { resizeBilinear } from './rgb-image.ts'

export const ANTISPOOF_INPUT_SIZE = 128
export const LIVENESS_INPUT_SIZE = 32

/** The model's score of the face crop (`crop` is `cropSize` x `cropSize` RGB), rounded as Human rounds it. */
export async function faceScore(
  session: InferenceSession,
  crop: Float32Array,
  cropSize: number,
  inputSize: number,
): Promise<number> {
  const input = resizeBilinear({ width: cropSize, height: cropSize, data: crop }, inputSize, inputSize)
  const out = Object.values(await runSession(session, input, [1, inputSize, inputSize, 3]))[0]!
  return Math.round(100 * out[0]!) / 100
}
