// In-memory 1:N index of the face templates of ONE model: an int8 scan (WebAssembly SIMD) picks candidates
// with a proven error bound, then the float templates re-score them with the same function as brute force.
//
// Why the results are IDENTICAL to a brute-force scan with `cosineSimilarity` (same ids, same scores):
//   Let p = probe/|probe| and u = x/|x| (real numbers). Each is quantised per vector, symmetrically:
//   p = t·r + ε and u = s·q + δ, with r, q in [-127, 127]^d, t = max|p_i|/127, s = max|u_i|/127, and the
//   residual norms ρp = |ε|, ρx = |δ| computed and kept (ρx at add, ρp per search). With D = r·q (an exact
//   integer) the approximate score is a = t·s·D, and exactly
//       p·u − a = p·δ + ε·(s·q)
//       |p·δ|     ≤ |p|·|δ| = ρx                      (Cauchy–Schwarz, |p| = 1)
//       |ε·(s·q)| ≤ |ε|·|s·q| ≤ ρp·(|u| + |δ|) = ρp·(1 + ρx)
//   so |cos − a| ≤ B = ρx + ρp·(1 + ρx), for every pair, whatever the data (no statistics, and it holds for any
//   integer q, so it does not rely on the rounding being right: ρ is measured from the q actually stored).
//   Floating point: `cosineSimilarity` sums float32×float32 products (exact in float64) in float64, so its
//   result is within (2d + 3)·2⁻⁵³ of the real cosine (clamping to [-1, 1] only moves it towards the real value);
//   the unit vectors behind ρp, ρx are off by ≤ (d/2 + 5)·2⁻⁵³ each and a = t·s·D by 2 ulps: (3d + 20)·2⁻⁵³ in
//   all, ≈ 3.4e-13 at d = 1024 and 2.2e-11 at MAX_DIMENSIONS, well inside FLOAT_SLACK = 1e-9.
//   Hence score ≥ T ⟹ a + B + FLOAT_SLACK ≥ T: every true hit is a candidate, and every candidate is re-scored
//   by `cosineSimilarity` on the stored float32 copy, the very computation a brute-force scan does.
//   Size of B: ρ ≈ s·√(d/12); for a 1024-d unit vector B ≈ 0.01–0.02, while random pairs use < 10% of it.
//   Adversarial pairs (probe along δ; see the tests) use ~45% of it, so the margin cannot be cut much.
// Per-vector scales (not one global scale): a vector's own max sets its step, which is never coarser than the
// global max's (measured on 10,000 Gaussian 1024-d unit vectors: mean B 0.0157, against 0.0240 with one
// global scale), and nothing must be re-quantised when a new template raises the global max.
import { cosineSimilarity, isUsableEmbedding } from '../../models/match.ts'
import type { FaceModelId } from '../../models/face-types.ts'

/** Covers float64 rounding in the score, the approximation and its bound (see above). */
export const FLOAT_SLACK = 1e-9
/** Keeps D within int32 (d·127² < 2³¹) and FLOAT_SLACK valid. */
export const MAX_DIMENSIONS = 65_536

export interface TemplateIndexOptions extends FaceModelId {
  dimensions: number
  /** Room made up front, in templates (default 1024); the index doubles past it. */
  initialCapacity?: number
}

export interface SearchOptions {
  /** Hits have `cosineSimilarity(probe, template) >= threshold`. */
  threshold: number
  /** At most this many hits, the best first. */
  k?: number
}

export interface TemplateHit {
  id: string
  score: number
}

export interface SearchReport {
  hits: TemplateHit[]
  /** Templates re-scored in float after the int8 scan. */
  candidates: number
  /** Largest |exact − approximate| / (B + FLOAT_SLACK) over the candidates; ≤ 1 by the bound. */
  maxErrorOverBound: number
}

/**
 * Symmetric int8 quantisation of the unit copy of `v`: v/|v| = scale·q + residual. Writes q to `out` (the rest of
 * `out` is zeroed) and returns the scale and the residual's norm. `v` must be usable (finite, non-zero).
 */
export function quantiseUnit(v: ArrayLike<number>, out: Int8Array): { scale: number; residualNorm: number } {
  let sumSquares = 0
  let maxAbs = 0
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number
    sumSquares += x * x
    maxAbs = Math.max(maxAbs, Math.abs(x))
  }
  const inverseNorm = 1 / Math.sqrt(sumSquares)
  const scale = (maxAbs * inverseNorm) / 127
  const inverseScale = 1 / scale
  let residual = 0
  for (let i = 0; i < v.length; i++) {
    const unit = (v[i] as number) * inverseNorm
    const q = Math.max(-127, Math.min(127, Math.round(unit * inverseScale)))
    out[i] = q
    const error = unit - scale * q
    residual += error * error
  }
  out.fill(0, v.length)
  return { scale, residualNorm: Math.sqrt(residual) }
}

/** B: |cos − approximate| ≤ B for a probe and a template with these residual norms. */
export function approximationBound(probeResidual: number, templateResidual: number): number {
  return templateResidual + probeResidual * (1 + templateResidual)
}

// The scan kernel, assembled by hand (no toolchain): dots(probe, vectors, count, stride, out) writes, for each of
// `count` int8 rows of `stride` bytes (a multiple of 16) from `vectors`, its int32 dot product with the int8 row at
// `probe`, to out[i]. Per 16 bytes: two loads, sign-extend to i16x8, i32x4.dot_i16x8_s (pmaddwd), i32x4.add.
function kernelBytes(): Uint8Array<ArrayBuffer> {
  const leb = (n: number): number[] => {
    const out: number[] = []
    do {
      const low = n & 0x7f
      n >>>= 7
      out.push(n === 0 ? low : low | 0x80)
    } while (n !== 0)
    return out
  }
  const name = (s: string) => [...leb(s.length), ...new TextEncoder().encode(s)]
  const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body]
  const simd = (op: number) => [0xfd, ...leb(op)]
  const [get, set, tee] = [(i: number) => [0x20, i], (i: number) => [0x21, i], (i: number) => [0x22, i]]
  const [LOAD, CONST, EXTEND_LOW_S, EXTEND_HIGH_S, DOT_S, ADD, LANE] = [0x00, 0x0c, 0x87, 0x88, 0xba, 0xae, 0x1b]
  // params 0 probe, 1 vectors, 2 count, 3 stride, 4 out; locals 5 i: i32; 6 acc, 7 pv, 8 xv: v128
  const lane = (l: number) => [...get(6), ...simd(LANE), l]
  const code = [
    ...[0x02, 0x40, 0x03, 0x40], // block $done, loop $row
    ...get(2),
    0x45,
    0x0d,
    1, // if count == 0 break
    ...simd(CONST),
    ...new Array<number>(16).fill(0),
    ...set(6),
    ...[0x41, 0],
    ...set(5),
    ...[0x03, 0x40], // loop $column
    ...get(0),
    ...get(5),
    0x6a,
    ...simd(LOAD),
    0,
    0,
    ...set(7),
    ...get(1),
    ...get(5),
    0x6a,
    ...simd(LOAD),
    0,
    0,
    ...set(8),
    ...get(6),
    ...get(7),
    ...simd(EXTEND_LOW_S),
    ...get(8),
    ...simd(EXTEND_LOW_S),
    ...simd(DOT_S),
    ...simd(ADD),
    ...get(7),
    ...simd(EXTEND_HIGH_S),
    ...get(8),
    ...simd(EXTEND_HIGH_S),
    ...simd(DOT_S),
    ...simd(ADD),
    ...set(6),
    ...get(5),
    0x41,
    16,
    0x6a,
    ...tee(5),
    ...get(3),
    0x49,
    0x0d,
    0, // i += 16; continue while i < stride
    0x0b,
    ...get(4),
    ...lane(0),
    ...lane(1),
    0x6a,
    ...lane(2),
    0x6a,
    ...lane(3),
    0x6a,
    0x36,
    2,
    0, // out[.] = sum
    ...get(4),
    0x41,
    4,
    0x6a,
    ...set(4),
    ...get(1),
    ...get(3),
    0x6a,
    ...set(1),
    ...get(2),
    0x41,
    1,
    0x6b,
    ...set(2),
    ...[0x0c, 0, 0x0b, 0x0b, 0x0b], // br $row; end loop, block, function
  ]
  const body = [2, 1, 0x7f, 3, 0x7b, ...code]
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 0x01]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('dots'), 0x00, 0x00]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ])
}

const PAGE = 65_536
const MAX_PAGES = 65_536
let compiledKernel: WebAssembly.Module | undefined

/**
 * Compiled once per process. V8 first runs wasm in its baseline tier (about 4x slower on this scan) until the
 * code has spent a budget; spending it here on 60 zero rows makes the first real search run optimised code.
 */
function kernelModule(): WebAssembly.Module {
  if (compiledKernel) return compiledKernel
  compiledKernel = new WebAssembly.Module(kernelBytes())
  const memory = new WebAssembly.Memory({ initial: 1 })
  const warm = new WebAssembly.Instance(compiledKernel, { env: { memory } }).exports['dots'] as (
    ...args: number[]
  ) => void
  for (let i = 0; i < 64; i++) warm(0, 0, 60, 1024, 60 * 1024)
  return compiledKernel
}

/** int8 rows in a WebAssembly memory (≤ 4 GiB) and the SIMD kernel that scans them. */
export class Int8DotKernel {
  readonly memory: WebAssembly.Memory
  private readonly run: (probe: number, vectors: number, count: number, stride: number, out: number) => void
  private view: Int8Array

  constructor(initialBytes: number) {
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(initialBytes / PAGE)), maximum: MAX_PAGES })
    const instance = new WebAssembly.Instance(kernelModule(), { env: { memory: this.memory } })
    this.run = instance.exports['dots'] as Int8DotKernel['run']
    this.view = new Int8Array(this.memory.buffer)
  }

  /** The whole memory as int8; a fresh view after each `ensureBytes` that grew it. */
  get bytes(): Int8Array {
    return this.view
  }

  ensureBytes(bytes: number): void {
    const pages = Math.ceil(bytes / PAGE)
    const have = this.memory.buffer.byteLength / PAGE
    if (pages <= have) return
    if (pages > MAX_PAGES) throw new RangeError('template index is full (4 GiB of int8 rows)')
    this.memory.grow(pages - have)
    this.view = new Int8Array(this.memory.buffer)
  }

  /** out[i] = Σ probe[j]·row_i[j] over `count` rows of `stride` bytes (offsets in bytes, 16-aligned). */
  dots(probeOffset: number, vectorsOffset: number, count: number, stride: number, outOffset: number): void {
    if (stride <= 0 || stride % 16 !== 0) throw new RangeError('stride must be a positive multiple of 16')
    this.run(probeOffset, vectorsOffset, count, stride, outOffset)
  }
}

/**
 * The templates of one model. Row i of each block belongs to ids[i]; `remove` moves the last row into the hole.
 * Memory per template: 4·d (float32) + d rounded up to 16 (int8) + 20 bytes + the id and its Map entry.
 */
export class TemplateIndex {
  readonly model: FaceModelId
  readonly dimensions: number
  private readonly stride: number
  private readonly kernel: Int8DotKernel
  private readonly probeQ: Int8Array
  private capacity: number
  private floats: Float32Array
  private scales: Float64Array
  private residuals: Float64Array
  private readonly ids: string[] = []
  private readonly slots = new Map<string, number>()

  constructor(options: TemplateIndexOptions) {
    const { name, version, dimensions, initialCapacity = 1024 } = options
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS)
      throw new RangeError(`dimensions must be an integer in 1..${MAX_DIMENSIONS}`)
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1)
      throw new RangeError('initialCapacity must be a positive integer')
    this.model = { name, version }
    this.dimensions = dimensions
    this.stride = Math.ceil(dimensions / 16) * 16
    this.probeQ = new Int8Array(this.stride)
    this.capacity = initialCapacity
    this.floats = new Float32Array(initialCapacity * dimensions)
    this.scales = new Float64Array(initialCapacity)
    this.residuals = new Float64Array(initialCapacity)
    this.kernel = new Int8DotKernel(this.kernelBytesFor(initialCapacity))
  }

  get size(): number {
    return this.ids.length
  }

  /** Bytes held by the blocks (float, int8 memory incl. scratch, scales); ids and the Map come on top. */
  get allocatedBytes(): number {
    return (
      this.floats.byteLength + this.kernel.memory.buffer.byteLength + this.scales.byteLength + this.residuals.byteLength
    )
  }

  /** True for a template of this index's model and length: only those are comparable with what it holds. */
  accepts(template: { modelName: string; modelVersion: string; dimensions: number }): boolean {
    return (
      template.modelName === this.model.name &&
      template.modelVersion === this.model.version &&
      template.dimensions === this.dimensions
    )
  }

  has(id: string): boolean {
    return this.slots.has(id)
  }

  /** A copy of the stored template, or undefined. */
  get(id: string): Float32Array | undefined {
    const slot = this.slots.get(id)
    return slot === undefined ? undefined : this.floats.slice(slot * this.dimensions, (slot + 1) * this.dimensions)
  }

  /** Adds, or replaces the template of an id already there. Throws a RangeError for an unusable embedding. */
  add(id: string, embedding: Float32Array): void {
    if (!isUsableEmbedding(embedding, this.dimensions))
      throw new RangeError(`embedding must be ${this.dimensions} finite values, not all zero`)
    let slot = this.slots.get(id)
    if (slot === undefined) {
      if (this.ids.length === this.capacity) this.grow(this.capacity * 2)
      slot = this.ids.length
      this.ids.push(id)
      this.slots.set(id, slot)
    }
    const d = this.dimensions
    this.floats.set(embedding, slot * d)
    const row = this.kernel.bytes.subarray(slot * this.stride, (slot + 1) * this.stride)
    const { scale, residualNorm } = quantiseUnit(this.floats.subarray(slot * d, (slot + 1) * d), row)
    this.scales[slot] = scale
    this.residuals[slot] = residualNorm
  }

  /** O(d): the last row moves into the freed slot. False when the id is not there. */
  remove(id: string): boolean {
    const slot = this.slots.get(id)
    if (slot === undefined) return false
    const last = this.ids.length - 1
    if (slot !== last) {
      const [d, stride] = [this.dimensions, this.stride]
      this.floats.copyWithin(slot * d, last * d, (last + 1) * d)
      this.kernel.bytes.copyWithin(slot * stride, last * stride, (last + 1) * stride)
      this.scales[slot] = this.scales[last] as number
      this.residuals[slot] = this.residuals[last] as number
      const moved = this.ids[last] as string
      this.ids[slot] = moved
      this.slots.set(moved, slot)
    }
    this.ids.pop()
    this.slots.delete(id)
    return true
  }

  /** Hits with score ≥ threshold, best first (ties by id), at most k. No hits for a wrong-length or broken probe. */
  search(probe: ArrayLike<number>, options: SearchOptions): TemplateHit[] {
    return this.searchWithReport(probe, options).hits
  }

  searchWithReport(probe: ArrayLike<number>, options: SearchOptions): SearchReport {
    const { threshold, k } = options
    if (Number.isNaN(threshold)) throw new RangeError('threshold must be a number')
    if (k !== undefined && !(Number.isInteger(k) && k >= 0)) throw new RangeError('k must be a non-negative integer')
    const n = this.ids.length
    const report: SearchReport = { hits: [], candidates: 0, maxErrorOverBound: 0 }
    if (n === 0 || k === 0 || !isUsableEmbedding(probe, this.dimensions)) return report

    const [d, stride] = [this.dimensions, this.stride]
    const { scale: t, residualNorm: probeResidual } = quantiseUnit(probe, this.probeQ)
    const probeOffset = this.capacity * stride
    const outOffset = probeOffset + stride
    this.kernel.bytes.set(this.probeQ, probeOffset)
    this.kernel.dots(probeOffset, 0, n, stride, outOffset)
    const dots = new Int32Array(this.kernel.memory.buffer, outOffset, n)
    const cutoff =
      k !== undefined && k < n ? Math.max(threshold, this.kthLowerBound(dots, t, probeResidual, k)) : threshold

    for (let i = 0; i < n; i++) {
      const approximate = t * (this.scales[i] as number) * (dots[i] as number)
      const bound = approximationBound(probeResidual, this.residuals[i] as number)
      if (approximate + bound + FLOAT_SLACK < cutoff) continue
      report.candidates++
      const score = cosineSimilarity(probe, this.floats.subarray(i * d, (i + 1) * d))
      report.maxErrorOverBound = Math.max(
        report.maxErrorOverBound,
        Math.abs(score - approximate) / (bound + FLOAT_SLACK),
      )
      if (score >= threshold) report.hits.push({ id: this.ids[i] as string, score })
    }
    report.hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    if (k !== undefined && report.hits.length > k) report.hits.length = k
    return report
  }

  /**
   * The k-th largest lower bound a − B − slack: k templates score at least this much, so a template whose upper
   * bound is below it cannot be in the top k (ties included).
   */
  private kthLowerBound(dots: Int32Array, t: number, probeResidual: number, k: number): number {
    const heap = new Float64Array(k) // min-heap of the k largest lower bounds
    let size = 0
    for (let i = 0; i < dots.length; i++) {
      const lower =
        t * (this.scales[i] as number) * (dots[i] as number) -
        approximationBound(probeResidual, this.residuals[i] as number) -
        FLOAT_SLACK
      if (size < k) {
        let j = size++
        while (j > 0 && (heap[(j - 1) >> 1] as number) > lower) {
          heap[j] = heap[(j - 1) >> 1] as number
          j = (j - 1) >> 1
        }
        heap[j] = lower
      } else if (lower > (heap[0] as number)) {
        let j = 0
        for (;;) {
          const left = 2 * j + 1
          if (left >= k) break
          const child = left + 1 < k && (heap[left + 1] as number) < (heap[left] as number) ? left + 1 : left
          if ((heap[child] as number) >= lower) break
          heap[j] = heap[child] as number
          j = child
        }
        heap[j] = lower
      }
    }
    return size === k ? (heap[0] as number) : Number.NEGATIVE_INFINITY
  }

  private kernelBytesFor(capacity: number): number {
    return capacity * this.stride + this.stride + capacity * 4 // rows, probe, int32 dots
  }

  private grow(capacity: number): void {
    this.kernel.ensureBytes(this.kernelBytesFor(capacity)) // rows stay in place at offset 0
    const floats = new Float32Array(capacity * this.dimensions)
    floats.set(this.floats.subarray(0, this.ids.length * this.dimensions))
    this.floats = floats
    const scales = new Float64Array(capacity)
    scales.set(this.scales.subarray(0, this.ids.length))
    this.scales = scales
    const residuals = new Float64Array(capacity)
    residuals.set(this.residuals.subarray(0, this.ids.length))
    this.residuals = residuals
    this.capacity = capacity
  }
}
