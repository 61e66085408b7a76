// The onnxruntime engine against the tfjs reference on the fixture photos and face-api's group photos: the same
// faces, boxes within 1 px, the same scores, descriptors at cosine >= 0.9999. Templates keep their model id
// (FACE_MODEL_ID) only because this holds.
import { readdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import t from 'tap'
import { startFaceEngine } from '../../models/face-engine.ts'
import type { FaceAnalysis } from '../../models/face-types.ts'
import { compareAnalyses } from '../../models/backend-comparison.ts'

const require = createRequire(import.meta.url)
const FACE_API_DEMO = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo')
const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures')

async function photos(): Promise<Array<{ name: string; bytes: Buffer }>> {
  const files = [
    ...(await readdir(path.join(FIXTURES, 'enrol'))).map((f) => path.join(FIXTURES, 'enrol', f)),
    ...(await readdir(path.join(FIXTURES, 'probe'))).map((f) => path.join(FIXTURES, 'probe', f)),
    ...[1, 2, 3, 4, 5, 6].map((i) => path.join(FACE_API_DEMO, `sample${i}.jpg`)),
  ].filter((f) => f.endsWith('.jpg'))
  return Promise.all(files.map(async (file) => ({ name: path.basename(file), bytes: await readFile(file) })))
}

t.test('onnxruntime and tfjs give the same faces and descriptors', async (t) => {
  const [onnx, tfjs] = await Promise.all([
    startFaceEngine({ workers: 1, backend: 'onnx' }),
    startFaceEngine({ workers: 1, backend: 'tfjs' }),
  ])
  t.teardown(() => Promise.all([onnx.close(), tfjs.close()]))
  t.equal(onnx.backend, 'onnx')
  t.equal(tfjs.backend, 'tfjs')
  t.same(onnx.model, tfjs.model, 'one model id for both backends')

  const inputs = await photos()
  t.ok(inputs.length >= 20, `${inputs.length} photos`)
  const pairs: Array<{ name: string; reference: FaceAnalysis; candidate: FaceAnalysis }> = []
  for (const { name, bytes } of inputs) {
    pairs.push({ name, reference: await tfjs.analyze(bytes), candidate: await onnx.analyze(bytes) })
  }
  const summary = compareAnalyses(pairs)
  t.comment(
    `${summary.faces} faces: 1 - min cosine ${(1 - summary.minCosine).toExponential(2)}, ` +
      `max box diff ${summary.maxBoxDiffPx} px, max score diff ${summary.maxScoreDiff}, ` +
      `max pose diff ${summary.maxPoseDiff.toExponential(2)} rad`,
  )
  t.same(summary.mismatches, [], 'every photo has the same number of faces')
  t.ok(summary.faces >= 20, 'faces were compared')
  t.ok(summary.minCosine >= 0.9999, `descriptor cosine ${summary.minCosine} >= 0.9999`)
  t.ok(summary.maxBoxDiffPx <= 1, `boxes within 1 px (${summary.maxBoxDiffPx})`)
  t.ok(summary.maxScoreDiff <= 0.001, `scores within 0.001 (${summary.maxScoreDiff})`)
  t.ok(summary.maxPoseDiff <= 0.001, `pose within 0.001 rad (${summary.maxPoseDiff})`)
})
