// Human's face mesh (MediaPipe FaceMesh, 192x192, 468 points) on onnxruntime, with Human's pre- and
// post-processing ported from @vladmandic/human 3.3.6 src/face/facemesh.ts and facemeshutil.ts (MIT License,
// Copyright (c) Vladimir Mandic), for Human's settings here (no rotation correction, no iris, mesh.keepInvalid):
// the detector's square box cut and resized to 192x192 with tf.image.cropAndResize semantics, / 255; the mesh
// mapped back to the frame; the face box re-centred on the mesh. The 192x192 crop is also what anti-spoof and
// liveness see.
import { boxCenter, boxSize, clampBox, rawBox, type FaceBox, type Point } from './face-box.ts'
import { runSession, type InferenceSession } from './ort-session.ts'
import { cropAndResize, type RgbImage } from './rgb-image.ts'

export const MESH_INPUT_SIZE = 192
const MESH_POINTS = 468

export interface MeshFace {
  /** [x, y, w, h] in frame pixels, clamped to the frame and truncated (Human's `face.box`). */
  box: [number, number, number, number]
  /** The same box in 0..1 of the frame (Human's `face.boxRaw`). */
  boxRaw: [number, number, number, number]
  /** Detector confidence rounded to 2 decimals (Human's `boxScore`). */
  boxScore: number
  /** Mesh confidence rounded to 2 decimals (Human's `faceScore`). */
  faceScore: number
  /** Human's `score`: the mesh's when the mesh is valid, the detector's otherwise. */
  score: number
  /** The 468 points in frame pixels (truncated) when the mesh is valid; empty otherwise. */
  mesh: Array<[number, number, number]>
  /** The face crop the per-face models use: 192x192 RGB in 0..1. */
  crop: Float32Array
}

/** Runs the mesh on one detector box. */
export async function meshFace(
  session: InferenceSession,
  frame: RgbImage,
  box: FaceBox,
  minConfidence: number,
): Promise<MeshFace> {
  const size = MESH_INPUT_SIZE
  const { width: w, height: h } = frame
  const cut = [box.startPoint[1] / h, box.startPoint[0] / w, box.endPoint[1] / h, box.endPoint[0] / w]
  const crop = cropAndResize(frame, cut, size)
  for (let i = 0; i < crop.length; i++) crop[i] = Math.fround(crop[i]! / 255)
  const outputs = Object.values(await runSession(session, crop, [1, size, size, 3]))
  const confidence = outputs.find((o) => o.length === 1)
  const coords = outputs.find((o) => o.length === MESH_POINTS * 3)
  if (!confidence || !coords) throw new Error('facemesh: unexpected outputs')
  const boxScore = Math.round(100 * box.confidence) / 100
  const faceScore = Math.round(100 * confidence[0]!) / 100
  if (faceScore < minConfidence) {
    // keepInvalid: the detector's box and score stand.
    return { box: clampBox(box, w, h), boxRaw: rawBox(box, w, h), boxScore, faceScore, score: boxScore, mesh: [], crop }
  }
  const [bw, bh] = boxSize(box)
  const [cx, cy] = boxCenter(box)
  const mesh: Array<[number, number, number]> = []
  for (let i = 0; i < MESH_POINTS; i++) {
    const [x, y, z] = [coords[i * 3]!, coords[i * 3 + 1]!, coords[i * 3 + 2]!]
    mesh.push([
      Math.trunc((bw / size) * (x - size / 2) + cx),
      Math.trunc((bh / size) * (y - size / 2) + cy),
      Math.trunc(z),
    ])
  }
  // Human's calculateFaceBox: the detector box's size, centred on the middle of the mesh's extent.
  const xs = mesh.map((p) => p[0])
  const ys = mesh.map((p) => p[1])
  const center: Point = [
    Math.min(...xs) + (Math.max(...xs) - Math.min(...xs)) / 2,
    Math.min(...ys) + (Math.max(...ys) - Math.min(...ys)) / 2,
  ]
  const faceBox: FaceBox = {
    startPoint: [center[0] - bw / 2, center[1] - bh / 2],
    endPoint: [center[0] + bw / 2, center[1] + bh / 2],
    confidence: box.confidence,
  }
  return {
    box: clampBox(faceBox, w, h),
    boxRaw: rawBox(faceBox, w, h),
    boxScore,
    faceScore,
    score: faceScore,
    mesh,
    crop,
  }
}
