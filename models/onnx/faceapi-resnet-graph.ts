// face-api's 128-d face recognition ResNet (dlib's model; src/faceRecognitionNet in @vladmandic/face-api, MIT) as an
// ONNX graph, op for op as `FaceRecognitionNet.forwardInput` runs it on tfjs. Input: NHWC [N, 150, 150, 3], RGB
// 0..255, what face-api's `toBatchTensor(150, true)` makes. Output: [N, 128], the raw descriptor (not normalised).
import { OnnxGraph } from './onnx-graph.ts'
import { hwioToOihw, validSize } from './tf-layout.ts'
import { floatWeight, type WeightMap } from './tfjs-weights.ts'

export const RESNET_INPUT_SIZE = 150
/** face-api's ImageNet-style mean, subtracted before the division by 255. */
export const FACEAPI_MEAN_RGB = [122.782, 117.001, 104.298] as const

interface Value {
  name: string
  size: number
  channels: number
}

export function buildFaceapiResnet(weights: WeightMap): OnnxGraph {
  const g = new OnnxGraph('faceapi_face_recognition')
  const input = g.input('input', ['batch', RESNET_INPUT_SIZE, RESNET_INPUT_SIZE, 3])
  const nchw = g.node('Transpose', [input], { perm: { ints: [0, 3, 1, 2] } })
  const centred = g.node('Sub', [nchw, g.float('mean_rgb', [1, 3, 1, 1], FACEAPI_MEAN_RGB)])
  let x: Value = { name: g.node('Div', [centred, g.float('255', [], [255])]), size: RESNET_INPUT_SIZE, channels: 3 }

  // face-api's conv layer: conv2d + bias, then a "scale" layer (x * w + b). Both are folded into the conv:
  // conv(x, W * s) + (bias * s + b), the same affine map in one op.
  const conv = (v: Value, prefix: string, stride: 1 | 2, relu: boolean): Value => {
    const filters = floatWeight(weights, `${prefix}/conv/filters`)
    const bias = floatWeight(weights, `${prefix}/conv/bias`).values
    const scale = floatWeight(weights, `${prefix}/scale/weights`).values
    const shift = floatWeight(weights, `${prefix}/scale/biases`).values
    const [kh, kw, ci, co] = filters.shape as [number, number, number, number]
    if (ci !== v.channels) throw new Error(`${prefix}: ${ci} input channels, got ${v.channels}`)
    const w = g.float(`${prefix}/w`, [co, ci, kh, kw], hwioToOihw(filters.values, filters.shape, scale))
    const b = g.float(
      `${prefix}/b`,
      [co],
      Array.from(bias, (value, o) => value * scale[o]! + shift[o]!),
    )
    // 'valid' for the strided convs, 'same' (odd kernels, stride 1: half the kernel each side) otherwise.
    const pad = stride === 2 ? 0 : (kh - 1) / 2
    const out = g.node('Conv', [v.name, w, b], {
      kernel_shape: { ints: [kh, kw] },
      strides: { ints: [stride, stride] },
      pads: { ints: [pad, pad, pad, pad] },
    })
    const size = stride === 2 ? validSize(v.size, kh, 2) : v.size
    return { name: relu ? g.node('Relu', [out]) : out, size, channels: co }
  }

  const residual = (v: Value, prefix: string): Value => {
    const out = conv(conv(v, `${prefix}/conv1`, 1, true), `${prefix}/conv2`, 1, false)
    return { ...out, name: g.node('Relu', [g.node('Add', [out.name, v.name])]) }
  }

  // face-api's down block: the shortcut is a 2x2 average pool, zero-padded in channels when the block widens;
  // where the 3x3/2 'valid' conv gives one row and column fewer than the pool, face-api appends a zero row and
  // column to the conv branch (after its second conv).
  const residualDown = (v: Value, prefix: string): Value => {
    let out = conv(conv(v, `${prefix}/conv1`, 2, true), `${prefix}/conv2`, 1, false)
    const pooledSize = validSize(v.size, 2, 2)
    let pooled = g.node('AveragePool', [v.name], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } })
    if (out.size !== pooledSize) {
      if (out.size + 1 !== pooledSize) throw new Error(`${prefix}: conv ${out.size} vs pool ${pooledSize}`)
      out = { ...out, name: g.node('Pad', [out.name, g.int64(`${prefix}/pad_hw`, [0, 0, 0, 0, 0, 0, 1, 1])]) }
    }
    if (out.channels !== v.channels) {
      const extra = out.channels - v.channels
      pooled = g.node('Pad', [pooled, g.int64(`${prefix}/pad_c`, [0, 0, 0, 0, 0, extra, 0, 0])])
    }
    return { name: g.node('Relu', [g.node('Add', [pooled, out.name])]), size: pooledSize, channels: out.channels }
  }

  x = conv(x, 'conv32_down', 2, true)
  x = {
    ...x,
    name: g.node('MaxPool', [x.name], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] } }),
    size: validSize(x.size, 3, 2),
  }
  for (const block of ['conv32_1', 'conv32_2', 'conv32_3']) x = residual(x, block)
  x = residualDown(x, 'conv64_down')
  for (const block of ['conv64_1', 'conv64_2', 'conv64_3']) x = residual(x, block)
  x = residualDown(x, 'conv128_down')
  for (const block of ['conv128_1', 'conv128_2']) x = residual(x, block)
  x = residualDown(x, 'conv256_down')
  for (const block of ['conv256_1', 'conv256_2']) x = residual(x, block)
  x = residualDown(x, 'conv256_down_out')

  const mean = g.node('ReduceMean', [x.name], { axes: { ints: [2, 3] }, keepdims: { i: 0 } })
  const fc = floatWeight(weights, 'fc')
  const out = g.node('MatMul', [mean, g.float('fc', fc.shape, fc.values)])
  g.output(g.rename(out, 'descriptor'), ['batch', fc.shape[1]!])
  return g
}
