// face-api's 128-d descriptor on onnxruntime: the crop and its mirror as one batch of two (bit-identical to two
// calls, and cheaper), each prepared as face-api's `toBatchTensor(150, true)` does (padToSquare, centred, then
// resizeBilinear to 150), then mirror-averaged and L2-normalised exactly as models/faceapi-descriptor.ts does.
import { normalize } from '../faceapi-descriptor.ts'
import { RESNET_INPUT_SIZE } from '../onnx/faceapi-resnet-graph.ts'
import { flipRgb, padToSquare, resizeBilinear, type RgbImage } from './rgb-image.ts'
import { runSession, type InferenceSession } from './ort-session.ts'

const DESCRIPTOR_LENGTH = 128

/** The mirror-averaged, L2-normalised descriptor of `crop`; empty when it is not finite. */
export async function describeMirrored(session: InferenceSession, crop: RgbImage): Promise<Float32Array> {
  const size = RESNET_INPUT_SIZE
  const one = size * size * 3
  const batch = new Float32Array(2 * one)
  batch.set(toInput(crop), 0)
  batch.set(toInput(flipRgb(crop)), one)
  const out = Object.values(await runSession(session, batch, [2, size, size, 3]))[0]!
  const plain = normalize(out.slice(0, DESCRIPTOR_LENGTH))
  const other = normalize(out.slice(DESCRIPTOR_LENGTH, 2 * DESCRIPTOR_LENGTH))
  if (plain.length === 0 || other.length === 0) return new Float32Array(0)
  return normalize(plain.map((v, i) => v + other[i]!))
}

function toInput(image: RgbImage): Float32Array {
  const size = RESNET_INPUT_SIZE
  const square = padToSquare(image)
  return square.width === size ? Float32Array.from(square.data) : resizeBilinear(square, size, size)
}
