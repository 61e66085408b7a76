// npm run models:onnx: writes the engine's ONNX models (models/onnx/generated/) from the weights of the installed
// npm packages. Deterministic: a re-run writes byte-identical files. Runs at install time (postinstall); the engine
// builds a missing file in memory instead, so an install with --ignore-scripts still works.
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import path from 'node:path'
import { GENERATED_DIR, ONNX_MODEL_NAMES, buildOnnxModel, onnxFileName } from '../models/onnx/onnx-models.ts'

await mkdir(GENERATED_DIR, { recursive: true })
for (const name of ONNX_MODEL_NAMES) {
  const bytes = await buildOnnxModel(name)
  const file = path.join(GENERATED_DIR, onnxFileName(name))
  // Written under a temporary name and renamed: a reader never sees half a file.
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, bytes)
  await rename(temporary, file)
  const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 16)
  console.log(`${path.relative(process.cwd(), file)}  ${(bytes.byteLength / 1e6).toFixed(1)} MB  sha256 ${sha}`)
}
