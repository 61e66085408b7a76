// Candidate crops measured by scripts/measure-candidate.ts (see RESULTS.md), and face-api's own SSD pipeline as
// a reference. The engine's loader, dlib-aligned crop and descriptor live in models/faceapi-descriptor.ts; this
// file keeps only the alternatives that lost, for re-measurement.
import type { Tensor3D } from '@tensorflow/tfjs-core'
import type { FaceResult, Human } from '@vladmandic/human'
import {
  clip,
  cropTensor,
  loadWeightMap,
  normalize,
  type FaceApiBox,
  type FaceApiModels,
  type FaceApiNet,
  type Rect,
} from '../faceapi-descriptor.ts'

export {
  describe,
  loadFaceApi,
  FACEAPI_DESCRIPTOR_LENGTH,
  FACEAPI_MODEL_DIR,
  FACEAPI_VERSION,
  type FaceApiModels,
} from '../faceapi-descriptor.ts'

export type CropMode =
  'human-box' | 'mesh-box' | 'faceapi-landmarks' | 'faceapi-landmarks2' | 'mesh-landmarks' | 'dlib-landmarks'

/**
 * MediaPipe face-mesh points that bound the region face-api's 68 landmarks cover (jaw line from ear to ear,
 * eyebrows, chin): the mesh's own bounding box runs up to the forehead, which face-api's crop does not include.
 */
const MESH_68_OUTLINE = [
  127,
  234,
  93,
  132,
  58,
  172,
  136,
  150,
  149,
  176,
  148,
  152,
  377,
  400,
  378,
  379,
  365,
  397,
  288,
  361,
  323,
  454,
  356, // jaw
  70,
  63,
  105,
  66,
  107,
  336,
  296,
  334,
  293,
  300, // eyebrows
]

/** face-api's `FaceLandmarks.align()` default: min bounding box of the landmarks padded by 20%. */
function minBoxPadded(points: Array<{ x: number; y: number }>, padding = 0.2): Rect {
  const xs = points.map((p) => p.x)
  const ys = points.map((p) => p.y)
  const x0 = Math.min(...xs)
  const y0 = Math.min(...ys)
  const w = Math.max(...xs) - x0
  const h = Math.max(...ys) - y0
  return { x: x0 - (w * padding) / 2, y: y0 - (h * padding) / 2, width: w * (1 + padding), height: h * (1 + padding) }
}

/**
 * Face crop for face-api's recognition net, from Human's result for one face. `image` is the frame Human saw
 * ([h, w, 3], RGB 0..255), so Human's box and mesh are in its pixels. face-api itself pads the crop to a square
 * (centred) and resizes it to 150x150, then subtracts its mean RGB.
 */
export async function faceCrop(
  models: FaceApiModels,
  tf: Human['tf'],
  image: Tensor3D,
  face: FaceResult,
  mode: CropMode,
): Promise<Tensor3D | null> {
  const [bx, by, bw, bh] = face.box
  if (mode === 'human-box') return cropTensor(tf, image, { x: bx, y: by, width: bw, height: bh })
  if (mode === 'mesh-box') {
    const mesh = face.mesh
    if (!mesh || mesh.length < 468) return cropTensor(tf, image, { x: bx, y: by, width: bw, height: bh })
    return cropTensor(tf, image, minBoxPadded(MESH_68_OUTLINE.map((i) => ({ x: mesh[i]![0], y: mesh[i]![1] }))))
  }
  // face-api's own pipeline on Human's box: 68 landmarks on the detector crop, then their padded min box.
  // 'faceapi-landmarks2' runs the landmark net a second time on that box (Human's box is looser than the SSD
  // boxes face-api's landmark net was trained on) and crops at the refined landmarks' box.
  let rect: Rect = { x: bx, y: by, width: bw, height: bh }
  // 'mesh-landmarks': seed the landmark net with the unpadded box of the mesh's jaw and eyebrow points, which is
  // close to the tight SSD boxes it was trained on (Human's own box is square and enlarged).
  if (mode === 'mesh-landmarks' && face.mesh && face.mesh.length >= 468) {
    const mesh = face.mesh
    rect = minBoxPadded(
      MESH_68_OUTLINE.map((i) => ({ x: mesh[i]![0], y: mesh[i]![1] })),
      0,
    )
  }
  for (let pass = 0; pass < (mode === 'faceapi-landmarks2' ? 2 : 1); pass++) {
    const c = clip(rect, image.shape[1], image.shape[0])
    if (!c) return null
    const box = tf.slice(image, [c.y, c.x, 0], [c.h, c.w, 3]) as Tensor3D
    let aligned: FaceApiBox
    try {
      const lm = await models.landmarks.detectLandmarks(box)
      // face-api's own `withFaceDescriptor()` crops with `align(null, { useDlibAlignment: true })` (a box from
      // the eye and mouth centres), not with the padded min box that `align()` gives by default.
      aligned = mode === 'dlib-landmarks' ? lm.align(null, { useDlibAlignment: true }) : lm.align()
    } finally {
      tf.dispose(box)
    }
    rect = { x: aligned.x + c.x, y: aligned.y + c.y, width: aligned.width, height: aligned.height }
  }
  return cropTensor(tf, image, rect)
}

/** face-api's own detector (SSD MobileNet v1) as a reference pipeline: SSD box, landmarks, aligned crop, descriptor. */
export async function loadFaceApiSsd(models: FaceApiModels, tf: Human['tf']): Promise<void> {
  const nets = models.faceapi.nets as unknown as { ssdMobilenetv1: FaceApiNet }
  nets.ssdMobilenetv1.loadFromWeightMap(await loadWeightMap(tf, 'ssd_mobilenetv1_model'))
}

export async function faceApiOwnDescriptor(
  models: FaceApiModels,
  image: Tensor3D,
  minConfidence = 0.2,
): Promise<Float32Array | null> {
  const fa = models.faceapi as unknown as {
    detectSingleFace(
      i: Tensor3D,
      o: unknown,
    ): { withFaceLandmarks(): { withFaceDescriptor(): Promise<{ descriptor: Float32Array } | undefined> } }
    SsdMobilenetv1Options: new (o: { minConfidence: number }) => unknown
  }
  const r = await fa
    .detectSingleFace(image, new fa.SsdMobilenetv1Options({ minConfidence }))
    .withFaceLandmarks()
    .withFaceDescriptor()
  return r ? normalize(r.descriptor) : null
}
