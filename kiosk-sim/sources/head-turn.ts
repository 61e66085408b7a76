// A head turn rendered from one still photo, for the passenger clips: the photo is texture-mapped onto the face mesh
// Human found in it (fixtures/face-meshes.json, made by scripts/make-face-meshes.ts), the mesh is turned about the
// vertical axis and drawn back over the photo. Orthographic, far triangles first: enough for the face engine to see a
// head turned by a few tens of degrees, so that a clip of a still photo can answer the liveness challenge as a
// person would. The rest of the photo (hair, ears, background) does not move.
import { readFile } from 'node:fs/promises'
import sharp from 'sharp'

export type MeshPoint = readonly [x: number, y: number, z: number]

export interface FaceMeshFixture {
  triangles: readonly number[]
  meshes: Readonly<Record<string, readonly MeshPoint[]>>
}

/** fixtures/face-meshes.json: the probe photos' meshes by file name, and the mesh's triangles. */
export async function loadFaceMeshes(file = 'fixtures/face-meshes.json'): Promise<FaceMeshFixture> {
  return JSON.parse(await readFile(file, 'utf8')) as FaceMeshFixture
}

/** Human's mesh z is in the mesh model's 192-pixel crop; the crop spans about 1.5 face widths (cheek to cheek). */
const MESH_INPUT = 192
const CROP_OVER_FACE = 2

/**
 * The photo with the face turned by `yawDeg` (positive: the traveller's left, the nose moving to the image's right),
 * as a PNG. The mesh is in the photo's (oriented) pixels.
 */
export async function renderHeadTurn(
  photo: Buffer,
  mesh: readonly MeshPoint[],
  triangles: readonly number[],
  yawDeg: number,
): Promise<Buffer> {
  const { data, info } = await sharp(photo).autoOrient().removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const { width, height } = info
  const out = Buffer.from(data)
  const xs = mesh.map((p) => p[0])
  const zScale = ((Math.max(...xs) - Math.min(...xs)) * CROP_OVER_FACE) / MESH_INPUT
  const cx = mean(xs)
  const cz = mean(mesh.map((p) => p[2] * zScale))
  const [sin, cos] = [Math.sin((yawDeg * Math.PI) / 180), Math.cos((yawDeg * Math.PI) / 180)]
  // Turned positions; a smaller z is nearer the camera (the nose tip has the smallest).
  const turned = mesh.map(([x, y, z]) => {
    const dx = x - cx
    const dz = z * zScale - cz
    return { x: cx + dx * cos - dz * sin, y, depth: dx * sin + dz * cos }
  })
  const order: number[] = []
  for (let t = 0; t + 2 < triangles.length; t += 3) order.push(t)
  const depth = (t: number) =>
    turned[triangles[t]!]!.depth + turned[triangles[t + 1]!]!.depth + turned[triangles[t + 2]!]!.depth
  order.sort((a, b) => depth(b) - depth(a))
  for (const t of order) {
    const [a, b, c] = [triangles[t]!, triangles[t + 1]!, triangles[t + 2]!]
    drawTriangle(out, data, width, height, [turned[a]!, turned[b]!, turned[c]!], [mesh[a]!, mesh[b]!, mesh[c]!])
  }
  return sharp(out, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
}

type Point = { x: number; y: number }

/** Fills the destination triangle with the source triangle's pixels (barycentric mapping, nearest pixel). */
function drawTriangle(
  out: Buffer,
  src: Buffer,
  width: number,
  height: number,
  dst: [Point, Point, Point],
  from: [MeshPoint, MeshPoint, MeshPoint],
): void {
  const [p0, p1, p2] = dst
  const area = (p1.x - p0.x) * (p2.y - p0.y) - (p2.x - p0.x) * (p1.y - p0.y)
  const sourceArea =
    (from[1][0] - from[0][0]) * (from[2][1] - from[0][1]) - (from[2][0] - from[0][0]) * (from[1][1] - from[0][1])
  // A triangle turned away from the camera (its winding flipped) is hidden.
  if (Math.abs(area) < 1e-6 || Math.sign(area) !== Math.sign(sourceArea)) return
  const minX = Math.max(0, Math.floor(Math.min(p0.x, p1.x, p2.x)))
  const maxX = Math.min(width - 1, Math.ceil(Math.max(p0.x, p1.x, p2.x)))
  const minY = Math.max(0, Math.floor(Math.min(p0.y, p1.y, p2.y)))
  const maxY = Math.min(height - 1, Math.ceil(Math.max(p0.y, p1.y, p2.y)))
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      const px = x + 0.5
      const py = y + 0.5
      const w1 = ((px - p0.x) * (p2.y - p0.y) - (p2.x - p0.x) * (py - p0.y)) / area
      const w2 = ((p1.x - p0.x) * (py - p0.y) - (px - p0.x) * (p1.y - p0.y)) / area
      const w0 = 1 - w1 - w2
      if (w0 < -1e-3 || w1 < -1e-3 || w2 < -1e-3) continue
      const sx = Math.floor(w0 * from[0][0] + w1 * from[1][0] + w2 * from[2][0])
      const sy = Math.floor(w0 * from[0][1] + w1 * from[1][1] + w2 * from[2][1])
      if (sx < 0 || sy < 0 || sx >= width || sy >= height) continue
      const s = (sy * width + sx) * 3
      const d = (y * width + x) * 3
      out[d] = src[s]!
      out[d + 1] = src[s + 1]!
      out[d + 2] = src[s + 2]!
    }
  }
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length
}
