import t from 'tap'
import { DEFAULT_FACE_BACKEND, parseFaceBackend } from '../../models/face-backend.ts'
import { startFaceEngine } from '../../models/face-engine.ts'

t.test('FACE_BACKEND: empty is onnxruntime, tfjs is the reference, anything else is refused', async (t) => {
  t.equal(DEFAULT_FACE_BACKEND, 'onnx')
  t.equal(parseFaceBackend(undefined), 'onnx')
  t.equal(parseFaceBackend(''), 'onnx')
  t.equal(parseFaceBackend('tfjs'), 'tfjs')
  t.equal(parseFaceBackend('onnx'), 'onnx')
  t.throws(() => parseFaceBackend('ONNX'), /FACE_BACKEND must be one of onnx, tfjs/)
  t.throws(() => parseFaceBackend('webgl'))
})

t.test('startFaceEngine refuses an unknown backend before starting any worker', async (t) => {
  await t.rejects(startFaceEngine({ workers: 1, backend: 'webgl' as never }), {
    name: 'FaceEngineError',
    message: /unknown face backend/,
  })
})
