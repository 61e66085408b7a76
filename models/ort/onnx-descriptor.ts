// The engine's descriptor on onnxruntime, step for step as models/faceapi-descriptor.ts computes it on tfjs:
// landmarks on the detector box's crop, face-api's dlib-aligned box, the mirror-averaged descriptor of that crop.
import { clip } from '../faceapi-descriptor.ts'
import { alignDlib, detectLandmarks } from './faceapi-landmarks.ts'
import { describeMirrored } from './faceapi-resnet.ts'
import { createSession, type InferenceSession } from './ort-session.ts'
import { cropRgb, type RgbImage } from './rgb-image.ts'

export interface OnnxFaceApi {
  landmarks: InferenceSession
  resnet: InferenceSession
}

export async function loadOnnxFaceApi(): Promise<OnnxFaceApi> {
  const [landmarks, resnet] = await Promise.all([createSession('faceapi-landmarks'), createSession('faceapi-resnet')])
  return { landmarks, resnet }
}

/** Descriptor of the face in `box` ([x, y, w, h] in `image`'s pixels); empty when no crop can be cut. */
export async function onnxFaceDescriptor(
  models: OnnxFaceApi,
  image: RgbImage,
  box: readonly [number, number, number, number],
): Promise<Float32Array> {
  const [bx, by, bw, bh] = box
  const c = clip({ x: bx, y: by, width: bw, height: bh }, image.width, image.height)
  if (!c) return new Float32Array(0)
  const seed = cropRgb(image, c.x, c.y, c.w, c.h)
  const aligned = alignDlib(await detectLandmarks(models.landmarks, seed), seed.width, seed.height)
  if (!aligned) return new Float32Array(0)
  const rect = { x: aligned.x + c.x, y: aligned.y + c.y, width: aligned.width, height: aligned.height }
  const a = clip(rect, image.width, image.height)
  if (!a) return new Float32Array(0)
  return describeMirrored(models.resnet, cropRgb(image, a.x, a.y, a.w, a.h))
}
