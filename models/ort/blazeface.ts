// Human's face detector (MediaPipe BlazeFace, 256x256) on onnxruntime, with Human's pre- and post-processing ported
// from @vladmandic/human 3.3.6 src/face/blazeface.ts and facemeshutil.ts (MIT License, Copyright (c) Vladimir
// Mandic): the whole frame resized to 256x256 (not letterboxed), x / 127.5 - 1, anchors decoded in float32 as the
// tensor ops compute them, tfjs's NMS, then each box scaled to the frame, enlarged 1.4x and made square.
import { enlargeBox, squarifyBox, type FaceBox, type Point } from './face-box.ts'
import { nonMaxSuppression } from './non-max-suppression.ts'
import { runSession, type InferenceSession } from './ort-session.ts'
import { resizeBilinear, type RgbImage } from './rgb-image.ts'

const INPUT_SIZE = 256
/** Values per anchor in the decoded output: 1 logit, 4 box values, 6 keypoints x 2. */
const ROW = 17

export interface DetectorConfig {
  maxDetected: number
  minConfidence: number
  iouThreshold: number
  /** Human's detector `scale`: how much each box is enlarged before the mesh crop. */
  scale: number
}

const f = Math.fround
const ANCHORS = generateAnchors(INPUT_SIZE)

/** Square face boxes in `frame` pixels, in NMS order (highest score first). */
export async function detectFaceBoxes(
  session: InferenceSession,
  frame: RgbImage,
  config: DetectorConfig,
): Promise<Array<FaceBox & { size: Point }>> {
  const input = resizeBilinear(frame, INPUT_SIZE, INPUT_SIZE)
  for (let i = 0; i < input.length; i++) input[i] = f(f(input[i]! / 127.5) - 1)
  const rows = decodeRows(await runSession(session, input, [1, INPUT_SIZE, INPUT_SIZE, 3]))
  const count = ANCHORS.length
  const boxes = new Float32Array(count * 4)
  const scores = new Float32Array(count)
  for (let i = 0; i < count; i++) {
    const row = rows.subarray(i * ROW, (i + 1) * ROW)
    const [ax, ay] = ANCHORS[i]!
    const cx = f(f(row[1]! + ax) / INPUT_SIZE)
    const cy = f(f(row[2]! + ay) / INPUT_SIZE)
    const hw = f(f(row[3]! / INPUT_SIZE) / 2)
    const hh = f(f(row[4]! / INPUT_SIZE) / 2)
    boxes[i * 4] = f(f(cx - hw) * INPUT_SIZE)
    boxes[i * 4 + 1] = f(f(cy - hh) * INPUT_SIZE)
    boxes[i * 4 + 2] = f(f(cx + hw) * INPUT_SIZE)
    boxes[i * 4 + 3] = f(f(cy + hh) * INPUT_SIZE)
    scores[i] = f(1 / (1 + Math.exp(-row[0]!)))
  }
  const kept = nonMaxSuppression(boxes, scores, config.maxDetected, config.iouThreshold, config.minConfidence)
  const factor: Point = [frame.width / INPUT_SIZE, frame.height / INPUT_SIZE]
  const out: Array<FaceBox & { size: Point }> = []
  for (const i of kept) {
    const confidence = scores[i]!
    if (!(confidence > config.minConfidence)) continue
    const scaled: FaceBox = {
      startPoint: [boxes[i * 4]! * factor[0], boxes[i * 4 + 1]! * factor[1]],
      endPoint: [boxes[i * 4 + 2]! * factor[0], boxes[i * 4 + 3]! * factor[1]],
      confidence,
    }
    const squared = squarifyBox(enlargeBox(scaled, config.scale))
    if (squared.size[0] > 0 && squared.size[1] > 0) out.push(squared)
  }
  return out
}

/**
 * The model's four outputs as Human orders them (sorted by size): the 512 anchors of the 16x16 grid first, then the
 * 384 of the 8x8 grid, each row the logit followed by the 16 regressors.
 */
function decodeRows(outputs: Record<string, Float32Array>): Float32Array {
  const bySize = (n: number) => {
    const out = Object.values(outputs).find((o) => o.length === n)
    if (!out) throw new Error(`blazeface: no output of ${n} values`)
    return out
  }
  const rows = new Float32Array(ANCHORS.length * ROW)
  let at = 0
  for (const [anchors, scoreOut, boxOut] of [
    [512, bySize(512), bySize(512 * 16)],
    [384, bySize(384), bySize(384 * 16)],
  ] as const) {
    for (let i = 0; i < anchors; i++) {
      rows[at] = scoreOut[i]!
      rows.set(boxOut.subarray(i * 16, (i + 1) * 16), at + 1)
      at += ROW
    }
  }
  return rows
}

/** Human's `generateAnchors(256)`: strides 16 and 32 with 2 and 6 anchors a cell, centred in the cell. */
function generateAnchors(inputSize: number): Point[] {
  const anchors: Point[] = []
  for (const [stride, perCell] of [
    [inputSize / 16, 2],
    [inputSize / 8, 6],
  ] as const) {
    const cells = Math.floor((inputSize + stride - 1) / stride)
    for (let y = 0; y < cells; y++)
      for (let x = 0; x < cells; x++)
        for (let n = 0; n < perCell; n++) anchors.push([f(stride * (x + 0.5)), f(stride * (y + 0.5))])
  }
  return anchors
}
