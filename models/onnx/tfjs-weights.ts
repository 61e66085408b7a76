// Reads a tfjs weights manifest and its .bin files and dequantises them as tfjs does (io.decodeWeights): uint8/uint16
// as `q * scale + min` into float32, float16 widened exactly. The ONNX graphs are built from these values, so the
// networks on onnxruntime hold the very numbers the tfjs backend computes with.
import { readFile } from 'node:fs/promises'
import path from 'node:path'

export interface WeightSpec {
  name: string
  shape: number[]
  dtype: string
  quantization?: { dtype: string; scale?: number; min?: number }
}

export interface WeightGroup {
  paths: string[]
  weights: WeightSpec[]
}

export interface Weight {
  shape: number[]
  values: Float32Array | Int32Array
}

export type WeightMap = Map<string, Weight>

/** Reads every group's files (in `dir`) and decodes the weights in manifest order. */
export async function readWeights(dir: string, manifest: WeightGroup[]): Promise<WeightMap> {
  const parts: Buffer[] = []
  for (const group of manifest) {
    for (const file of group.paths) {
      const full = path.resolve(dir, file)
      if (path.dirname(full) !== path.resolve(dir)) throw new Error(`weight file outside the model folder: ${file}`)
      parts.push(await readFile(full))
    }
  }
  return decodeWeights(
    manifest.flatMap((group) => group.weights),
    Buffer.concat(parts),
  )
}

export function decodeWeights(specs: WeightSpec[], data: Uint8Array): WeightMap {
  const out: WeightMap = new Map()
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  let offset = 0
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1)
    const q = spec.quantization
    let values: Float32Array | Int32Array
    if (q && (q.dtype === 'uint8' || q.dtype === 'uint16')) {
      if (spec.dtype !== 'float32' || q.scale === undefined || q.min === undefined)
        throw new Error(`${spec.name}: unsupported quantization`)
      const bytes = q.dtype === 'uint8' ? 1 : 2
      values = new Float32Array(size)
      for (let i = 0; i < size; i++) {
        const v = bytes === 1 ? view.getUint8(offset + i) : view.getUint16(offset + i * 2, true)
        values[i] = v * q.scale + q.min
      }
      offset += size * bytes
    } else if (q && q.dtype === 'float16') {
      values = new Float32Array(size)
      for (let i = 0; i < size; i++) values[i] = halfToFloat(view.getUint16(offset + i * 2, true))
      offset += size * 2
    } else if (!q && spec.dtype === 'float32') {
      values = new Float32Array(size)
      for (let i = 0; i < size; i++) values[i] = view.getFloat32(offset + i * 4, true)
      offset += size * 4
    } else if (!q && spec.dtype === 'int32') {
      values = new Int32Array(size)
      for (let i = 0; i < size; i++) values[i] = view.getInt32(offset + i * 4, true)
      offset += size * 4
    } else {
      throw new Error(`${spec.name}: unsupported weight type ${spec.dtype}/${q?.dtype ?? 'none'}`)
    }
    out.set(spec.name, { shape: spec.shape, values })
  }
  if (offset !== data.byteLength) throw new Error(`weights: read ${offset} of ${data.byteLength} bytes`)
  return out
}

/** IEEE 754 half to float: exact (every half is a float32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exponent = (h >> 10) & 0x1f
  const fraction = h & 0x3ff
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024)
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024)
}

/** The weight of that name, as float32; throws when it is missing. */
export function floatWeight(weights: WeightMap, name: string): Weight & { values: Float32Array } {
  const weight = weights.get(name)
  if (!weight || !(weight.values instanceof Float32Array)) throw new Error(`weight ${name} missing or not float32`)
  return weight as Weight & { values: Float32Array }
}
