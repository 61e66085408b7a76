// face-api's 68-point landmarks on onnxruntime, with face-api's own pre- and post-processing ported from
// @vladmandic/face-api (MIT): `toBatchTensor(112, true)` (padToSquare, centred, then resizeBilinear),
// `FaceLandmark68NetBase.postProcess` (float32, as the tensor ops compute it) and `FaceLandmarks.alignDlib`.
import { LANDMARK_INPUT_SIZE } from '../onnx/faceapi-landmarks-graph.ts'
import { padToSquare, resizeBilinear, type RgbImage } from './rgb-image.ts'
import { runSession, type InferenceSession } from './ort-session.ts'

export interface Point {
  x: number
  y: number
}

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

const f = Math.fround

/** The 68 landmarks of the face in `seed`, in its pixels. */
export async function detectLandmarks(session: InferenceSession, seed: RgbImage): Promise<Point[]> {
  const size = LANDMARK_INPUT_SIZE
  const square = padToSquare(seed)
  const input = square.width === size ? Float32Array.from(square.data) : resizeBilinear(square, size, size)
  const out = Object.values(await runSession(session, input, [1, size, size, 3]))[0]!
  const { width, height } = seed
  // postProcess: the net's 0..1 coordinates are of the padded square; remove the padding (counted as half the
  // difference on each side, as face-api does) and divide by the image's size within the square.
  const scale = size / Math.max(height, width)
  const scaledWidth = f(width * scale)
  const scaledHeight = f(height * scale)
  const padX = width < height ? f(Math.abs(width * scale - height * scale) / 2) : 0
  const padY = height < width ? f(Math.abs(width * scale - height * scale) / 2) : 0
  const points: Point[] = []
  for (let i = 0; i < 68; i++) {
    const x = f(f(f(out[2 * i]! * size) - padX) / scaledWidth)
    const y = f(f(f(out[2 * i + 1]! * size) - padY) / scaledHeight)
    points.push({ x: x * width, y: y * height })
  }
  return points
}

// face-api's alignment constants (FaceLandmarks.ts).
const REL_X = 0.5
const REL_Y = 0.43
const REL_SCALE = 0.45

/**
 * `landmarks.align(null, { useDlibAlignment: true })`: a square from the eye and mouth centres, in the seed's
 * pixels. Null when the landmarks give no usable size.
 */
export function alignDlib(points: readonly Point[], width: number, height: number): Rect | null {
  const leftEye = centre(points.slice(36, 42))
  const rightEye = centre(points.slice(42, 48))
  const mouth = centre(points.slice(48, 68))
  const distToMouth = (p: Point) => Math.sqrt((mouth.x - p.x) ** 2 + (mouth.y - p.y) ** 2)
  const eyeToMouth = (distToMouth(leftEye) + distToMouth(rightEye)) / 2
  const size = Math.floor(eyeToMouth / REL_SCALE)
  if (!(size > 0)) return null
  const ref = centre([leftEye, rightEye, mouth])
  const x = Math.floor(Math.max(0, ref.x - REL_X * size))
  const y = Math.floor(Math.max(0, ref.y - REL_Y * size))
  return { x, y, width: Math.min(size, width + x), height: Math.min(size, height + y) }
}

/** face-api's getCenterPoint: summed in order, then divided. */
function centre(points: readonly Point[]): Point {
  let x = 0
  let y = 0
  for (const p of points) {
    x += p.x
    y += p.y
  }
  return { x: x / points.length, y: y / points.length }
}
