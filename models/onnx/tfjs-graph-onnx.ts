// A converter from tfjs graph models (model.json + weights) to ONNX, for the ops that Human's face models use:
// blazeface, facemesh, antispoof and liveness. Activations are NHWC in tfjs and NCHW inside the ONNX graph; inputs
// and outputs stay NHWC/2-D as in tfjs. TensorFlow 'SAME' padding is ONNX 'SAME_UPPER' (the extra row or column at
// the end), as TensorFlow pads.
import { OnnxGraph, type Attribute } from './onnx-graph.ts'
import { depthwiseToOihw, hwioToOihw } from './tf-layout.ts'
import type { WeightMap } from './tfjs-weights.ts'

export interface TfjsGraphNode {
  name: string
  op: string
  input?: string[]
  attr?: Record<string, { s?: string; list?: { i?: string[]; s?: string[] }; b?: boolean }>
}

export interface TfjsGraphModel {
  modelTopology: { node: TfjsGraphNode[] }
}

/** A converted value: its ONNX name and whether it is a 4-D activation held NCHW. */
interface Value {
  name: string
  nchw: boolean
}

export function convertTfjsGraph(graphName: string, model: TfjsGraphModel, weights: WeightMap): OnnxGraph {
  const g = new OnnxGraph(graphName)
  const values = new Map<string, Value>()
  const nodes = model.modelTopology.node

  const constant = (name: string) => {
    const w = weights.get(name)
    if (!w) throw new Error(`${graphName}: no weight for ${name}`)
    return w
  }
  const valueOf = (ref: string): Value => {
    const name = ref.replace(/^\^/, '').replace(/:0$/, '')
    const value = values.get(name)
    if (!value) throw new Error(`${graphName}: ${name} used before it is defined (or is a constant)`)
    return value
  }
  const text = (node: TfjsGraphNode, key: string) => Buffer.from(node.attr?.[key]?.s ?? '', 'base64').toString()
  const list = (node: TfjsGraphNode, key: string) => (node.attr?.[key]?.list?.i ?? []).map(Number)
  const fusedOps = (node: TfjsGraphNode) =>
    (node.attr?.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString())
  const window = (node: TfjsGraphNode, kernel: number[]): Record<string, Attribute> => {
    const strides = list(node, 'strides')
    const padding = text(node, 'padding')
    if (padding !== 'SAME' && padding !== 'VALID') throw new Error(`${node.name}: padding ${padding}`)
    if (list(node, 'dilations').some((d) => d !== 1)) throw new Error(`${node.name}: dilated convolution`)
    return {
      kernel_shape: { ints: kernel },
      strides: { ints: [strides[1]!, strides[2]!] },
      auto_pad: { s: padding === 'SAME' ? 'SAME_UPPER' : 'VALID' },
    }
  }
  // A constant operand of an elementwise op with an NCHW activation: TF broadcasts it along the trailing (channel)
  // axis, so [C], [1, C], [1, 1, C] or [1, 1, 1, C] becomes [C, 1, 1].
  const channelConstant = (name: string): string => {
    const w = constant(name)
    const size = w.values.length
    const channelsLast = w.shape.slice(0, -1).every((d) => d === 1)
    if (size > 1 && !channelsLast) throw new Error(`${graphName}: constant ${name} ${w.shape} is not per channel`)
    return g.float(name, size === 1 ? [] : [size, 1, 1], w.values)
  }
  const binary = (node: TfjsGraphNode, op: 'Add' | 'Mul'): Value => {
    const [a, b] = node.input!
    const isConst = (ref: string) => !values.has(ref) && weights.has(ref)
    if (isConst(a!) || isConst(b!)) {
      const [activation, constName] = isConst(b!) ? [valueOf(a!), b!] : [valueOf(b!), a!]
      const c = activation.nchw ? channelConstant(constName) : plainConstant(constName)
      return { name: g.node(op, [activation.name, c]), nchw: activation.nchw }
    }
    const [x, y] = [valueOf(a!), valueOf(b!)]
    if (x.nchw !== y.nchw) throw new Error(`${node.name}: mixed layouts`)
    return { name: g.node(op, [x.name, y.name]), nchw: x.nchw }
  }
  const plainConstant = (name: string) => {
    const w = constant(name)
    return g.float(name, w.shape, w.values)
  }
  const activation = (value: Value, fused: string[], node: TfjsGraphNode, alphaRef?: string): Value => {
    const rest = fused.filter((op) => op !== 'BiasAdd')
    if (rest.length === 0) return value
    if (rest.length > 1) throw new Error(`${node.name}: fused ${fused.join('+')}`)
    if (rest[0] === 'Relu') return { name: g.node('Relu', [value.name]), nchw: value.nchw }
    if (rest[0] === 'Prelu' && alphaRef)
      return { name: g.node('PRelu', [value.name, channelConstant(alphaRef)]), nchw: value.nchw }
    throw new Error(`${node.name}: fused ${rest[0]}`)
  }

  for (const node of nodes) {
    const inputs = node.input ?? []
    let out: Value
    switch (node.op) {
      case 'Const':
        continue
      case 'Placeholder': {
        const input = g.input(node.name, ['batch', ...inputShape(node).slice(1)])
        out = { name: g.node('Transpose', [input], { perm: { ints: [0, 3, 1, 2] } }), nchw: true }
        break
      }
      case '_FusedConv2D': {
        const x = valueOf(inputs[0]!)
        const filter = constant(inputs[1]!)
        const [kh, kw, ci, co] = filter.shape as [number, number, number, number]
        const fused = fusedOps(node)
        if (fused[0] !== 'BiasAdd') throw new Error(`${node.name}: fused ${fused.join('+')}`)
        const w = g.float(`${node.name}/w`, [co, ci, kh, kw], hwioToOihw(filter.values as Float32Array, filter.shape))
        const b = g.float(`${node.name}/b`, [co], constant(inputs[2]!).values)
        const conv = { name: g.node('Conv', [x.name, w, b], window(node, [kh, kw])), nchw: true }
        out = activation(conv, fused, node, inputs[3])
        break
      }
      case 'DepthwiseConv2dNative': {
        const x = valueOf(inputs[0]!)
        const filter = constant(inputs[1]!)
        const [kh, kw, c, m] = filter.shape as [number, number, number, number]
        const w = g.float(
          `${node.name}/w`,
          [c * m, 1, kh, kw],
          depthwiseToOihw(filter.values as Float32Array, filter.shape),
        )
        out = { name: g.node('Conv', [x.name, w], { ...window(node, [kh, kw]), group: { i: c } }), nchw: true }
        break
      }
      case 'MaxPool': {
        const k = list(node, 'ksize')
        out = { name: g.node('MaxPool', [valueOf(inputs[0]!).name], window(node, [k[1]!, k[2]!])), nchw: true }
        break
      }
      case 'AddV2':
      case 'Add':
        out = binary(node, 'Add')
        break
      case 'Mul':
        out = binary(node, 'Mul')
        break
      case 'Relu':
      case 'Sigmoid': {
        const x = valueOf(inputs[0]!)
        out = { name: g.node(node.op, [x.name]), nchw: x.nchw }
        break
      }
      case 'Softmax': {
        const x = valueOf(inputs[0]!)
        if (x.nchw) throw new Error(`${node.name}: softmax of an image`)
        out = { name: g.node('Softmax', [x.name], { axis: { i: -1 } }), nchw: false }
        break
      }
      case 'Prelu': {
        const x = valueOf(inputs[0]!)
        out = { name: g.node('PRelu', [x.name, channelConstant(inputs[1]!)]), nchw: x.nchw }
        break
      }
      case 'Pad': {
        const x = valueOf(inputs[0]!)
        const p = Array.from(constant(inputs[1]!).values) // [[n0, n1], [h0, h1], [w0, w1], [c0, c1]]
        if (!x.nchw || p.length !== 8) throw new Error(`${node.name}: pad of a non-image`)
        const pads = [p[0]!, p[6]!, p[2]!, p[4]!, p[1]!, p[7]!, p[3]!, p[5]!]
        out = { name: g.node('Pad', [x.name, g.int64(`${node.name}/pads`, pads)]), nchw: true }
        break
      }
      case 'Reshape': {
        let x = valueOf(inputs[0]!)
        // Back to NHWC first: the reshape's element order is TensorFlow's.
        if (x.nchw) x = { name: g.node('Transpose', [x.name], { perm: { ints: [0, 2, 3, 1] } }), nchw: false }
        const shape = g.int64(`${node.name}/shape`, Array.from(constant(inputs[1]!).values))
        out = { name: g.node('Reshape', [x.name, shape]), nchw: false }
        break
      }
      case '_FusedMatMul': {
        const x = valueOf(inputs[0]!)
        const attr = node.attr ?? {}
        if (x.nchw || attr.transpose_a?.b || attr.transpose_b?.b) throw new Error(`${node.name}: unsupported matmul`)
        const fused = fusedOps(node)
        if (fused[0] !== 'BiasAdd') throw new Error(`${node.name}: fused ${fused.join('+')}`)
        const product = g.node('MatMul', [x.name, plainConstant(inputs[1]!)])
        const biased = { name: g.node('Add', [product, plainConstant(inputs[2]!)]), nchw: false }
        out = activation(biased, fused, node)
        break
      }
      case 'Identity': {
        const x = valueOf(inputs[0]!)
        if (x.nchw) throw new Error(`${node.name}: an image as output`)
        g.output(g.rename(x.name, node.name), null)
        continue
      }
      default:
        throw new Error(`${graphName}: op ${node.op} (${node.name}) is not supported`)
    }
    values.set(node.name, out)
  }
  return g
}

function inputShape(node: TfjsGraphNode): number[] {
  const shape = (node.attr as Record<string, { shape?: { dim?: Array<{ size: string }> } }> | undefined)?.shape
  const dims = shape?.shape?.dim?.map((d) => Number(d.size))
  if (!dims || dims.length !== 4) throw new Error(`${node.name}: input shape unknown`)
  return dims
}
