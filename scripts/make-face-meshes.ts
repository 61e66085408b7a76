// Writes fixtures/face-meshes.json: Human's 468-point face mesh of each resident's probe photo (fixtures/probe), and
// Human's triangulation of the mesh. kiosk-sim/sources/head-turn.ts renders head turns from them, so that the
// passenger clips of still photos can answer the liveness challenge. Deterministic: the tfjs WASM backend.
// Usage: node --import tsx scripts/make-face-meshes.ts
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { loadHuman } from '../models/human-loader.ts'

const DIR = 'fixtures/probe'
const human = await loadHuman()
const meshes: Record<string, Array<[number, number, number]>> = {}
for (const file of (await readdir(DIR)).filter((f) => /^r\d+\.jpg$/.test(f)).sort()) {
  const { data, info } = await sharp(await readFile(path.join(DIR, file)))
    .autoOrient()
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const tensor = human.tf.tensor3d(new Float32Array(data), [info.height, info.width, 3])
  const input = human.tf.expandDims(tensor, 0)
  try {
    const result = await human.detect(input as never)
    const face = result.face[0]
    if (!face || face.mesh.length < 468) throw new Error(`${file}: no face mesh`)
    meshes[file] = face.mesh.slice(0, 468).map((p) => [round(p[0]), round(p[1]), round(p[2] ?? 0)])
  } finally {
    human.tf.dispose([tensor, input])
  }
}
const triangles = Array.from(human.faceTriangulation)
await writeFile(
  'fixtures/face-meshes.json',
  `${JSON.stringify({ source: 'Human 3.3.6 face mesh (tfjs WASM) of fixtures/probe/*.jpg', triangles, meshes })}\n`,
)
console.log(`${Object.keys(meshes).length} meshes, ${triangles.length / 3} triangles -> fixtures/face-meshes.json`)

function round(v: number): number {
  return Math.round(v * 100) / 100
}
