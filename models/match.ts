// Pure math over face descriptors. No I/O, no model: shared by enrolment and verification.

/** Score returned for any comparison that must never match (empty, wrong-length, non-finite vectors). */
export const NO_MATCH = -1

/** True when `v` has `expectedLength` finite values and a non-zero norm. */
export function isUsableEmbedding(v: ArrayLike<number>, expectedLength: number): boolean {
  if (expectedLength <= 0 || v.length !== expectedLength) return false
  let sumSquares = 0
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number
    if (!Number.isFinite(x)) return false
    sumSquares += x * x
  }
  return sumSquares > 0 && Number.isFinite(sumSquares)
}

/**
 * Cosine similarity in [-1, 1]. Returns NO_MATCH (-1) unless both vectors are usable and of the same length:
 * unlike Human's `similarity()`, an empty or broken descriptor can never look like a match.
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length === 0 || a.length !== b.length) return NO_MATCH
  let dot = 0
  let normA = 0
  let normB = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number
    const y = b[i] as number
    dot += x * y
    normA += x * x
    normB += y * y
  }
  if (!(normA > 0) || !(normB > 0) || !Number.isFinite(dot + normA + normB)) return NO_MATCH
  const cosine = dot / Math.sqrt(normA * normB)
  // Rounding can push |cosine| a hair past 1.
  return Math.max(-1, Math.min(1, cosine))
}

/** Unit-length copy of `v`; an empty array when `v` is empty, zero or not finite. */
export function l2normalize(v: ArrayLike<number>): Float32Array {
  let sumSquares = 0
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number
    sumSquares += x * x
  }
  if (!(sumSquares > 0) || !Number.isFinite(sumSquares)) return new Float32Array(0)
  const norm = Math.sqrt(sumSquares)
  const out = new Float32Array(v.length)
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / norm
  return out
}

/**
 * Unit-length mean of unit-length copies of `vectors` (several frames or photos of one person).
 * Each vector is normalised first, so that no frame weighs more for its norm. Returns an empty array
 * when there is no vector, when lengths differ, or when any vector is unusable.
 */
export function averageEmbeddings(vectors: readonly ArrayLike<number>[]): Float32Array {
  const first = vectors[0]
  if (first === undefined || first.length === 0) return new Float32Array(0)
  const sum = new Float64Array(first.length)
  for (const vector of vectors) {
    if (!isUsableEmbedding(vector, first.length)) return new Float32Array(0)
    const unit = l2normalize(vector)
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (unit[i] as number)
  }
  return l2normalize(sum)
}

/**
 * The first pair (a < b, in order) of `vectors` whose cosine similarity is below `threshold`, or null when every
 * pair reaches it: the "same person" check over several enrolment photos.
 */
export function firstPairBelow(
  vectors: readonly ArrayLike<number>[],
  threshold: number,
): { a: number; b: number; score: number } | null {
  for (let a = 0; a < vectors.length; a++) {
    for (let b = a + 1; b < vectors.length; b++) {
      const score = cosineSimilarity(vectors[a]!, vectors[b]!)
      if (score < threshold) return { a, b, score }
    }
  }
  return null
}
