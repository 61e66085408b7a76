// One onnxruntime session per model and face worker. One intra-op thread: the kiosk runs one face worker per core,
// and a second thread per session was measured 0.5-0.6x as fast on this 2-core machine (docs: engine-speed-study).
import { InferenceSession, Tensor } from 'onnxruntime-node'
import { loadOnnxModel, type OnnxModelName } from '../onnx/onnx-models.ts'

export type { InferenceSession }

const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
}

export async function createSession(name: OnnxModelName): Promise<InferenceSession> {
  return InferenceSession.create(await loadOnnxModel(name), SESSION_OPTIONS)
}

/** Runs a one-input model on a float32 NHWC batch and returns every output's data by name. */
export async function runSession(
  session: InferenceSession,
  data: Float32Array,
  dims: readonly number[],
): Promise<Record<string, Float32Array>> {
  const results = await session.run({ [session.inputNames[0]!]: new Tensor('float32', data, dims) })
  const out: Record<string, Float32Array> = {}
  for (const [name, tensor] of Object.entries(results)) {
    out[name] = tensor.data as Float32Array
    tensor.dispose()
  }
  return out
}
