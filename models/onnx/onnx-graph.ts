// A small ONNX graph builder: nodes, float/int64 initialisers, one input and named outputs, serialised as an
// ONNX ModelProto (field numbers from onnx/onnx.proto). Only what the project's six face models need.
import { ProtoWriter } from './protobuf-writer.ts'

/** ONNX opset 17 (onnxruntime 1.30 runs up to 22), IR version 8: the pair the study's models were checked with. */
const OPSET = 17
const IR_VERSION = 8
const FLOAT = 1
const INT64 = 7

/** Attribute values, tagged so that an integral float is never written as an int. */
export type Attribute = { i: number } | { f: number } | { s: string } | { ints: readonly number[] }

export interface Node {
  op: string
  inputs: readonly string[]
  outputs: readonly string[]
  attributes?: Record<string, Attribute>
}

interface Initializer {
  name: string
  dims: readonly number[]
  type: typeof FLOAT | typeof INT64
  data: Uint8Array
}

/** Dimension: a fixed size, or a name for a size given at run time (the batch). */
export type Dim = number | string

export class OnnxGraph {
  readonly #nodes: Node[] = []
  readonly #initializers: Initializer[] = []
  readonly #inputs: Array<{ name: string; dims: readonly Dim[] }> = []
  readonly #outputs: Array<{ name: string; dims: readonly Dim[] | null }> = []
  #counter = 0

  constructor(readonly name: string) {}

  input(name: string, dims: readonly Dim[]): string {
    this.#inputs.push({ name, dims })
    return name
  }

  /** A graph output; `dims` null leaves its shape to the runtime's inference. */
  output(name: string, dims: readonly Dim[] | null): void {
    this.#outputs.push({ name, dims })
  }

  /** A float32 constant; values are stored as float32, exactly as given (callers round with Math.fround or not). */
  float(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    const size = dims.reduce((a, b) => a * b, 1)
    if (values.length !== size) throw new Error(`${name}: ${values.length} values for dims [${dims.join(',')}]`)
    const data = new Uint8Array(size * 4)
    const view = new DataView(data.buffer)
    for (let i = 0; i < size; i++) view.setFloat32(i * 4, values[i]!, true)
    this.#initializers.push({ name: this.#unique(name), dims, type: FLOAT, data })
    return this.#initializers.at(-1)!.name
  }

  /** An int64 constant (shapes, pads). */
  int64(name: string, values: readonly number[]): string {
    const data = new Uint8Array(values.length * 8)
    const view = new DataView(data.buffer)
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true))
    this.#initializers.push({ name: this.#unique(name), dims: [values.length], type: INT64, data })
    return this.#initializers.at(-1)!.name
  }

  /** Adds a node with one output and returns that output's name. */
  node(op: string, inputs: readonly string[], attributes?: Record<string, Attribute>, name?: string): string {
    const output = this.#unique(name ?? op.toLowerCase())
    this.#nodes.push({ op, inputs, outputs: [output], ...(attributes ? { attributes } : {}) })
    return output
  }

  /** Renames a value to a graph output name (an Identity node, so that outputs have stable names). */
  rename(value: string, name: string): string {
    this.#nodes.push({ op: 'Identity', inputs: [value], outputs: [name] })
    return name
  }

  /** The serialised ModelProto. */
  toBytes(producer: string): Uint8Array {
    const graph = new ProtoWriter()
    for (const node of this.#nodes) graph.message(1, nodeProto(node))
    graph.string(2, this.name)
    for (const init of this.#initializers) graph.message(5, tensorProto(init))
    for (const input of this.#inputs) graph.message(11, valueInfo(input.name, input.dims))
    for (const output of this.#outputs) graph.message(12, valueInfo(output.name, output.dims))
    const opset = new ProtoWriter().string(1, '').varint(2, OPSET)
    return new ProtoWriter().varint(1, IR_VERSION).string(2, producer).message(7, graph).message(8, opset).finish()
  }

  #unique(base: string): string {
    return `${base}_${this.#counter++}`
  }
}

function nodeProto(node: Node): ProtoWriter {
  const out = new ProtoWriter()
  for (const input of node.inputs) out.string(1, input)
  for (const output of node.outputs) out.string(2, output)
  out.string(3, node.outputs[0]!)
  out.string(4, node.op)
  for (const [name, value] of Object.entries(node.attributes ?? {})) out.message(5, attributeProto(name, value))
  return out
}

// AttributeProto: name 1, f 2, i 3, s 4, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, INTS 7).
function attributeProto(name: string, value: Attribute): ProtoWriter {
  const out = new ProtoWriter().string(1, name)
  if ('f' in value) return out.float(2, value.f).varint(20, 1)
  if ('i' in value) return out.varint(3, value.i).varint(20, 2)
  if ('s' in value) return out.string(4, value.s).varint(20, 3)
  return out.packedVarints(8, value.ints).varint(20, 7)
}

// TensorProto: dims 1, data_type 2, name 8, raw_data 9.
function tensorProto(init: Initializer): ProtoWriter {
  return new ProtoWriter().packedVarints(1, init.dims).varint(2, init.type).string(8, init.name).bytes(9, init.data)
}

// ValueInfoProto { name 1, type 2 } > TypeProto { tensor_type 1 } > { elem_type 1, shape 2 } > { dim 1 } >
// Dimension { dim_value 1 | dim_param 2 }.
function valueInfo(name: string, dims: readonly Dim[] | null): ProtoWriter {
  const tensorType = new ProtoWriter().varint(1, FLOAT)
  if (dims) {
    const shape = new ProtoWriter()
    for (const dim of dims) {
      shape.message(1, typeof dim === 'number' ? new ProtoWriter().varint(1, dim) : new ProtoWriter().string(2, dim))
    }
    tensorType.message(2, shape)
  }
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType))
}
