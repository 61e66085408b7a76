// Runs the face engine over every frame of ../shared/pad (NUAA) and writes, per frame, the largest face's mesh
// geometry, embedding and passive scores as JSON lines: the input of scripts/measure-liveness-challenge.ts.
// Usage: npx tsx scripts/pad-geometry.ts ../shared/pad out.jsonl
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { startFaceEngine } from '../models/face-engine.ts'

const [padDir = '../shared/pad', out = 'pad-geometry.jsonl'] = process.argv.slice(2)
const manifest = JSON.parse(await readFile(path.join(padDir, 'manifest.json'), 'utf8')) as Array<{
  file: string
  subject: string
  presentation: string
}>
const engine = await startFaceEngine({ workers: 1 })
const lines: string[] = []
try {
  for (const entry of manifest) {
    const analysis = await engine.analyze(await readFile(path.join(padDir, entry.file)))
    const face = analysis.faces[0]
    lines.push(
      JSON.stringify({
        file: entry.file,
        presentation: entry.presentation,
        faces: analysis.faces.length,
        geometry: face?.geometry ?? null,
        antispoof: face?.antispoof ?? null,
        liveness: face?.liveness ?? null,
        embedding: face ? Array.from(face.embedding, (v) => Math.round(v * 1e5) / 1e5) : null,
      }),
    )
  }
} finally {
  await engine.close()
}
await writeFile(out, lines.join('\n') + '\n')
console.log(`${lines.length} frames -> ${out}`)
