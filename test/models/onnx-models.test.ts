// The ONNX files are made, not downloaded: the same package weights give the same bytes, and what the encoder
// writes is a model onnxruntime loads and runs.
import { InferenceSession, Tensor } from 'onnxruntime-node'
import t from 'tap'
import { ONNX_MODEL_NAMES, buildOnnxModel, onnxFileName } from '../../models/onnx/onnx-models.ts'

t.test('every model of the engine has a file name tied to its source package version', async (t) => {
  t.same([...ONNX_MODEL_NAMES].sort(), [
    'faceapi-landmarks',
    'faceapi-resnet',
    'human-antispoof',
    'human-blazeface',
    'human-facemesh',
    'human-liveness',
  ])
  t.match(onnxFileName('faceapi-resnet'), /^faceapi-resnet-face-api-\d+\.\d+\.\d+\.onnx$/)
  t.match(onnxFileName('human-blazeface'), /^human-blazeface-human-\d+\.\d+\.\d+\.onnx$/)
})

t.test('building a model twice gives identical bytes, and onnxruntime runs it', async (t) => {
  const [a, b] = [await buildOnnxModel('human-liveness'), await buildOnnxModel('human-liveness')]
  t.ok(a.byteLength > 100_000, `${a.byteLength} bytes`)
  t.ok(Buffer.from(a).equals(Buffer.from(b)), 'deterministic')
  const session = await InferenceSession.create(a, { intraOpNumThreads: 1 })
  t.teardown(() => session.release())
  const input = new Tensor('float32', new Float32Array(32 * 32 * 3).fill(0.5), [1, 32, 32, 3])
  const out = Object.values(await session.run({ [session.inputNames[0]!]: input }))[0]!
  const [live, spoof] = out.data as Float32Array
  t.same(out.dims, [1, 2], 'softmax over two classes')
  t.ok(Math.abs(live! + spoof! - 1) < 1e-6, 'probabilities sum to 1')
})
