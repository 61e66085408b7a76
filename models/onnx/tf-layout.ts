// TensorFlow keeps images NHWC and conv filters HWIO; ONNX convolutions want NCHW and OIHW. These move weights
// between the two layouts (a copy, no arithmetic), so that a converted filter holds the same float32 values.

/** Conv filter [kh, kw, in, out] to [out, in, kh, kw], each value times `scale[out]` when given. */
export function hwioToOihw(values: Float32Array, shape: readonly number[], scale?: Float32Array): Float32Array {
  const [kh, kw, ci, co] = shape as [number, number, number, number]
  const out = new Float32Array(values.length)
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) {
          const v = values[((h * kw + w) * ci + i) * co + o]!
          out[((o * ci + i) * kh + h) * kw + w] = scale ? v * scale[o]! : v
        }
  return out
}

/** Depthwise filter [kh, kw, channels, multiplier] to ONNX grouped-conv [channels * multiplier, 1, kh, kw]. */
export function depthwiseToOihw(values: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, c, m] = shape as [number, number, number, number]
  const out = new Float32Array(values.length)
  for (let h = 0; h < kh; h++)
    for (let w = 0; w < kw; w++)
      for (let ch = 0; ch < c; ch++)
        for (let k = 0; k < m; k++) out[((ch * m + k) * kh + h) * kw + w] = values[((h * kw + w) * c + ch) * m + k]!
  return out
}

/** Output size of a TensorFlow 'VALID' window. */
export function validSize(size: number, kernel: number, stride: number): number {
  return Math.floor((size - kernel) / stride) + 1
}

/** Output size of a TensorFlow 'SAME' window. */
export function sameSize(size: number, stride: number): number {
  return Math.ceil(size / stride)
}
