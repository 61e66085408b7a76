// Per-image results of one engine run (identity, file, FTA reason, quality figures, embedding), kept so that
// studies can re-score without running the engine again. Pure: a JSON text in, plain data out, and back.
// Embeddings are little-endian Float32 in base64 (128-d: 684 characters per image).
import { CodedError } from '../../lib/coded-error.ts'

export type CachedFtaReason = 'no-face' | 'no-embedding' | 'image-error'

export interface CachedQuality {
  detectorScore: number
  faceSizePx: number
  antispoof: number | null
  liveness: number | null
  pose: { yaw: number; pitch: number; roll: number } | null
}

export interface CachedImage {
  file: string
  identity: string
  faces: number
  fta: CachedFtaReason | null
  quality: CachedQuality | null
  ms: number
  /** Empty unless acquired (fta null). */
  embedding: Float32Array
}

export interface EmbeddingCache {
  model: { name: string; version: string }
  dataset: string
  subset: { limit: number; seed: number } | null
  createdAt: string
  images: CachedImage[]
}

export const EMBEDDING_CACHE_FORMAT = 'echannel-embeddings/1'

export class EmbeddingCacheError extends CodedError<'EMBEDDING_CACHE_INVALID'> {
  constructor(message: string) {
    super('EMBEDDING_CACHE_INVALID', message)
  }
}

const FTA_REASONS: ReadonlySet<string> = new Set(['no-face', 'no-embedding', 'image-error'])

export function encodeEmbeddingCache(cache: EmbeddingCache): string {
  const images = cache.images.map((img) => ({ ...img, embedding: float32ToBase64(img.embedding) }))
  // One image per line: the file stays diffable and greppable.
  const head = JSON.stringify({
    format: EMBEDDING_CACHE_FORMAT,
    model: cache.model,
    dataset: cache.dataset,
    subset: cache.subset,
    createdAt: cache.createdAt,
  })
  return `${head.slice(0, -1)},"images":[\n${images.map((i) => JSON.stringify(i)).join(',\n')}\n]}\n`
}

/** Parses and validates a cache; throws EmbeddingCacheError (code EMBEDDING_CACHE_INVALID) with the first problem. */
export function decodeEmbeddingCache(text: string): EmbeddingCache {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new EmbeddingCacheError(`not JSON: ${(error as Error).message}`)
  }
  const root = parsed as Record<string, unknown> | null
  if (root === null || typeof root !== 'object') throw new EmbeddingCacheError('expected an object')
  if (root.format !== EMBEDDING_CACHE_FORMAT)
    throw new EmbeddingCacheError(`format is ${String(root.format)}, expected ${EMBEDDING_CACHE_FORMAT}`)
  const model = root.model as Record<string, unknown> | null
  if (typeof model?.name !== 'string' || typeof model.version !== 'string')
    throw new EmbeddingCacheError('model must be { name, version }')
  if (typeof root.dataset !== 'string') throw new EmbeddingCacheError('dataset must be a string')
  if (typeof root.createdAt !== 'string') throw new EmbeddingCacheError('createdAt must be a string')
  if (!Array.isArray(root.images) || root.images.length === 0)
    throw new EmbeddingCacheError('images must be a non-empty array')
  let dims = -1
  const images = root.images.map((raw: unknown, i): CachedImage => {
    const e = raw as Record<string, unknown> | null
    const where = `images[${i}]`
    if (typeof e?.file !== 'string' || typeof e.identity !== 'string' || e.identity === '')
      throw new EmbeddingCacheError(`${where}: file and identity must be strings`)
    if (e.fta !== null && !(typeof e.fta === 'string' && FTA_REASONS.has(e.fta)))
      throw new EmbeddingCacheError(`${where}: unknown fta ${String(e.fta)}`)
    if (typeof e.embedding !== 'string') throw new EmbeddingCacheError(`${where}: embedding must be base64`)
    const embedding = base64ToFloat32(e.embedding, where)
    if (e.fta === null) {
      if (embedding.length === 0) throw new EmbeddingCacheError(`${where}: acquired but no embedding`)
      if (dims === -1) dims = embedding.length
      if (embedding.length !== dims)
        throw new EmbeddingCacheError(`${where}: ${embedding.length}-d embedding, others are ${dims}-d`)
      for (const x of embedding)
        if (!Number.isFinite(x)) throw new EmbeddingCacheError(`${where}: embedding is not finite`)
    } else if (embedding.length !== 0) {
      throw new EmbeddingCacheError(`${where}: failed to acquire (${String(e.fta)}) but has an embedding`)
    }
    return {
      file: e.file,
      identity: e.identity,
      faces: typeof e.faces === 'number' ? e.faces : 0,
      fta: e.fta as CachedFtaReason | null,
      quality: (e.quality ?? null) as CachedQuality | null,
      ms: typeof e.ms === 'number' ? e.ms : 0,
      embedding,
    }
  })
  return {
    model: { name: model.name, version: model.version },
    dataset: root.dataset,
    subset: (root.subset ?? null) as EmbeddingCache['subset'],
    createdAt: root.createdAt,
    images,
  }
}

export function float32ToBase64(v: Float32Array): string {
  const bytes = new Uint8Array(v.length * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < v.length; i++) view.setFloat32(i * 4, v[i]!, true)
  return Buffer.from(bytes).toString('base64')
}

export function base64ToFloat32(text: string, where = 'embedding'): Float32Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new EmbeddingCacheError(`${where}: not base64`)
  const bytes = Buffer.from(text, 'base64')
  if (bytes.length % 4 !== 0)
    throw new EmbeddingCacheError(`${where}: ${bytes.length} bytes is not a whole number of Float32`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length)
  const out = new Float32Array(bytes.length / 4)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}
