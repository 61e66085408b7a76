// Head pose from the mesh, ported from @vladmandic/human 3.3.6 src/face/angles.ts `calculateFaceAngle` (MIT
// License, Copyright (c) Vladimir Mandic): axes from the top/bottom and left/right mesh points, made orthogonal,
// read as Euler angles (YZX).

type Vector = [number, number, number]

export interface FaceAngle {
  pitch: number
  yaw: number
  roll: number
}

/**
 * `mesh` in frame pixels (z as the model gives it), `boxRaw` the face box in 0..1 of the frame, `meshSize` the
 * mesh model's input size (z is divided by it, as Human's meshRaw does).
 */
export function faceAngle(
  mesh: ReadonlyArray<readonly [number, number, number]>,
  boxRaw: readonly number[],
  width: number,
  height: number,
  meshSize: number,
): FaceAngle {
  if (mesh.length < 300) return { pitch: 0, yaw: 0, roll: 0 }
  const raw = (i: number): Vector => {
    const p = mesh[i]!
    return [p[0] / width, p[1] / height, p[2] / meshSize]
  }
  const size = Math.max(boxRaw[2]! * width, boxRaw[3]! * height) / 1.5
  const [top, bottom, left, right] = [10, 152, 234, 454].map((i) => {
    const p = raw(i)
    return [(p[0] * width) / size, (p[1] * height) / size, p[2]] as Vector
  }) as [Vector, Vector, Vector, Vector]
  const yAxis = normalize(sub(bottom, top))
  let xAxis = normalize(sub(right, left))
  const zAxis = normalize(cross(xAxis, yAxis))
  xAxis = cross(yAxis, zAxis)
  const [r00, r10, r11, r12, r20] = [xAxis[0], yAxis[0], yAxis[1], yAxis[2], zAxis[0]]
  const [r21, r22] = [zAxis[1], zAxis[2]]
  let thetaX: number
  let thetaY: number
  let thetaZ: number
  if (r10 < 1) {
    if (r10 > -1) {
      thetaZ = Math.atan2(r10, Math.sqrt(r00 * r00 + r20 * r20))
      thetaY = Math.atan2(-r20, r00)
      thetaX = Math.atan2(-r12, r11)
    } else {
      thetaZ = -Math.PI / 2
      thetaY = -Math.atan2(r21, r22)
      thetaX = 0
    }
  } else {
    thetaZ = Math.PI / 2
    thetaY = Math.atan2(r21, r22)
    thetaX = 0
  }
  const clean = (v: number) => (Number.isNaN(v) ? 0 : -v)
  return { pitch: clean(thetaX), yaw: clean(thetaY), roll: clean(thetaZ) }
}

function normalize(v: Vector): Vector {
  const length = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
  return [v[0] / length, v[1] / length, v[2] / length]
}

function sub(a: Vector, b: Vector): Vector {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

function cross(a: Vector, b: Vector): Vector {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
}
