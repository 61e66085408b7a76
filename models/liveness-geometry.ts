// What the liveness challenge reads from Human's 468-point face mesh, computed in the face worker so that three
// numbers cross threads instead of 468 points: a yaw proxy (nose parallax) and each eye's aspect ratio. Pure math.
import type { FaceGeometry } from './face-types.ts'

type MeshPoint = readonly [number, number, number?]

/** MediaPipe FaceMesh indices. "Image left" is the traveller's right side on an unmirrored camera. */
const NOSE_TIP = 1
const CHEEK_IMAGE_LEFT = 234
const CHEEK_IMAGE_RIGHT = 454
/** EAR points per eye: outer corner, two upper lid, inner corner, two lower lid (Soukupova and Cech, 2016). */
const EYE_IMAGE_LEFT = [33, 160, 158, 133, 153, 144] as const
const EYE_IMAGE_RIGHT = [263, 387, 385, 362, 380, 373] as const
const MOUTH_CORNERS = [61, 291] as const
const MESH_POINTS = 468

/**
 * Null when the mesh is missing or degenerate (Human gives no mesh for an unsure face). Uses x and y only: z is
 * the model's guess, the 2-D positions are what the camera saw.
 */
export function faceGeometry(mesh: ReadonlyArray<MeshPoint>): FaceGeometry | null {
  if (mesh.length < MESH_POINTS) return null
  const at = (i: number): [number, number] => [mesh[i]![0], mesh[i]![1]]
  const left = at(CHEEK_IMAGE_LEFT)
  const right = at(CHEEK_IMAGE_RIGHT)
  const axis: [number, number] = [right[0] - left[0], right[1] - left[1]]
  const width2 = axis[0] * axis[0] + axis[1] * axis[1]
  if (!(width2 > 1)) return null
  const middle: [number, number] = [(left[0] + right[0]) / 2, (left[1] + right[1]) / 2]
  const nose = at(NOSE_TIP)
  // The nose tip stands out of the cheek plane: turning the head moves it along the cheek line, in face widths.
  // Projected on the cheek line, so that a tilted head (roll) reads the same.
  const parallax = ((nose[0] - middle[0]) * axis[0] + (nose[1] - middle[1]) * axis[1]) / width2
  const eyes = [eyeAspectRatio(EYE_IMAGE_LEFT.map(at)), eyeAspectRatio(EYE_IMAGE_RIGHT.map(at))]
  // The face's proportions: eye line to mouth over the eye distance. A blink leaves it; a photo bent or tilted
  // about a horizontal axis squeezes it with the eyes.
  const eyeCentre = (indices: readonly number[]) => centroid(indices.map(at))
  const eyeL = eyeCentre(EYE_IMAGE_LEFT)
  const eyeR = eyeCentre(EYE_IMAGE_RIGHT)
  const mouth = centroid(MOUTH_CORNERS.map(at))
  const eyeMid = centroid([eyeL, eyeR])
  const eyeDistance = distance(eyeL, eyeR)
  if (!(eyeDistance > 0)) return null
  return {
    parallax: round4(parallax),
    earImageLeft: round4(eyes[0]!),
    earImageRight: round4(eyes[1]!),
    proportion: round4(distance(eyeMid, mouth) / eyeDistance),
  }
}

function eyeAspectRatio(p: Array<[number, number]>): number {
  const [p1, p2, p3, p4, p5, p6] = p as [
    [number, number],
    [number, number],
    [number, number],
    [number, number],
    [number, number],
    [number, number],
  ]
  const width = distance(p1, p4)
  return width > 0 ? (distance(p2, p6) + distance(p3, p5)) / (2 * width) : 0
}

function centroid(points: Array<[number, number]>): [number, number] {
  const n = points.length
  return [points.reduce((s, p) => s + p[0], 0) / n, points.reduce((s, p) => s + p[1], 0) / n]
}

function distance(a: readonly [number, number], b: readonly [number, number]): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1])
}

function round4(v: number): number {
  return Math.round(v * 10_000) / 10_000
}
