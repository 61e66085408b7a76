// face-api's 68-point landmark net (src/faceLandmarkNet + src/faceFeatureExtractor in @vladmandic/face-api, MIT) as
// an ONNX graph: four dense blocks of separable convs, a 7x7 average pool and the fully connected layer, as
// `FaceLandmark68Net.runNet` computes them on tfjs. Input: NHWC [N, 112, 112, 3], RGB 0..255 (`toBatchTensor(112)`).
// Output: [N, 136], the raw x/y pairs before face-api's `postProcess` (done in models/ort/faceapi-landmarks.ts).
import { OnnxGraph } from './onnx-graph.ts'
import { FACEAPI_MEAN_RGB } from './faceapi-resnet-graph.ts'
import { depthwiseToOihw, hwioToOihw } from './tf-layout.ts'
import { floatWeight, type WeightMap } from './tfjs-weights.ts'

export const LANDMARK_INPUT_SIZE = 112

export function buildFaceapiLandmarks(weights: WeightMap): OnnxGraph {
  const g = new OnnxGraph('faceapi_face_landmark_68')
  const input = g.input('input', ['batch', LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE, 3])
  const nchw = g.node('Transpose', [input], { perm: { ints: [0, 3, 1, 2] } })
  const centred = g.node('Sub', [nchw, g.float('mean_rgb', [1, 3, 1, 1], FACEAPI_MEAN_RGB)])
  let x = g.node('Div', [centred, g.float('255', [], [255])])

  const same = (stride: number) => ({ auto_pad: { s: 'SAME_UPPER' }, strides: { ints: [stride, stride] } })
  const add = (a: string, b: string) => g.node('Add', [a, b])
  const relu = (a: string) => g.node('Relu', [a])

  const plainConv = (v: string, prefix: string, stride: number): string => {
    const filters = floatWeight(weights, `${prefix}/filters`)
    const [kh, kw, ci, co] = filters.shape as [number, number, number, number]
    const w = g.float(`${prefix}/w`, [co, ci, kh, kw], hwioToOihw(filters.values, filters.shape))
    const b = g.float(`${prefix}/b`, [co], floatWeight(weights, `${prefix}/bias`).values)
    return g.node('Conv', [v, w, b], { kernel_shape: { ints: [kh, kw] }, ...same(stride) })
  }

  // tfjs separableConv2d: depthwise 3x3 'same', then a 1x1 pointwise conv; the bias is added after both.
  const separableConv = (v: string, prefix: string, stride: number): string => {
    const dw = floatWeight(weights, `${prefix}/depthwise_filter`)
    const pw = floatWeight(weights, `${prefix}/pointwise_filter`)
    const [kh, kw, c] = dw.shape as [number, number, number, number]
    const co = pw.shape[3]!
    const dwName = g.float(`${prefix}/dw`, [c, 1, kh, kw], depthwiseToOihw(dw.values, dw.shape))
    const depthwise = g.node('Conv', [v, dwName], {
      kernel_shape: { ints: [kh, kw] },
      group: { i: c },
      ...same(stride),
    })
    const pwName = g.float(`${prefix}/pw`, [co, c, 1, 1], hwioToOihw(pw.values, pw.shape))
    const b = g.float(`${prefix}/b`, [co], floatWeight(weights, `${prefix}/bias`).values)
    return g.node('Conv', [depthwise, pwName, b], { kernel_shape: { ints: [1, 1] } })
  }

  // denseBlock4 with the same association order as face-api: out1 + (out2 + (out3 + out4)).
  const denseBlock = (v: string, prefix: string, first: boolean): string => {
    const out1 = relu(first ? plainConv(v, `${prefix}/conv0`, 2) : separableConv(v, `${prefix}/conv0`, 2))
    const out2 = separableConv(out1, `${prefix}/conv1`, 1)
    const out3 = separableConv(relu(add(out1, out2)), `${prefix}/conv2`, 1)
    const out4 = separableConv(relu(add(out1, add(out2, out3))), `${prefix}/conv3`, 1)
    return relu(add(out1, add(out2, add(out3, out4))))
  }

  x = denseBlock(x, 'dense0', true)
  for (const block of ['dense1', 'dense2', 'dense3']) x = denseBlock(x, block, false)
  x = g.node('AveragePool', [x], { kernel_shape: { ints: [7, 7] }, strides: { ints: [2, 2] } })
  const flat = g.node('Flatten', [x], { axis: { i: 1 } })
  const fcW = floatWeight(weights, 'fc/weights')
  const fc = g.node('MatMul', [flat, g.float('fc/w', fcW.shape, fcW.values)])
  const out = add(fc, g.float('fc/b', [fcW.shape[1]!], floatWeight(weights, 'fc/bias').values))
  g.output(g.rename(out, 'landmarks'), ['batch', fcW.shape[1]!])
  return g
}
