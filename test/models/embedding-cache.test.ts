import t from 'tap'
import {
  base64ToFloat32,
  decodeEmbeddingCache,
  encodeEmbeddingCache,
  float32ToBase64,
  type EmbeddingCache,
} from '../../models/eval/embedding-cache.ts'

const CACHE: EmbeddingCache = {
  model: { name: 'human+faceapi-resnet', version: '3.3.6+1.7.15' },
  dataset: '../shared/faces',
  subset: null,
  createdAt: '2026-11-26T00:00:00.000Z',
  images: [
    {
      file: 'a/1.jpg',
      identity: 'a',
      faces: 1,
      fta: null,
      quality: { detectorScore: 0.9, faceSizePx: 120, antispoof: 0.8, liveness: null, pose: null },
      ms: 150,
      embedding: Float32Array.from([0.6, -0.8, 0]),
    },
    { file: 'b/1.jpg', identity: 'b', faces: 0, fta: 'no-face', quality: null, ms: 90, embedding: new Float32Array(0) },
  ],
}

t.test('a cache survives encode and decode exactly', async (t) => {
  const text = encodeEmbeddingCache(CACHE)
  t.same(decodeEmbeddingCache(text), CACHE)
  t.equal(text.split('\n').length, 5, 'head line, one line per image, closing line, final newline')
  t.equal(float32ToBase64(Float32Array.from([1])), 'AACAPw==', '1.0f little-endian is 00 00 80 3f')
  t.same([...base64ToFloat32('AACAPw==')], [1])
})

// The malformed cases write what the EmbeddingCache type forbids: they see the encoded object as plain JSON.
type Json = Record<string, unknown>
const images = (c: Json) => c.images as Json[]
const image = (c: Json, i: number) => images(c)[i]!

t.test('malformed caches are refused with EMBEDDING_CACHE_INVALID', async (t) => {
  const encoded = JSON.parse(encodeEmbeddingCache(CACHE)) as Json
  const cases: Array<[string, (c: Json) => void]> = [
    ['other format', (c) => (c.format = 'v0')],
    ['no images', (c) => (c.images = [])],
    ['no identity', (c) => (image(c, 0).identity = '')],
    ['unknown fta reason', (c) => (image(c, 1).fta = 'blurry')],
    ['acquired without embedding', (c) => (image(c, 0).embedding = '')],
    ['failed with an embedding', (c) => (image(c, 1).embedding = 'AACAPw==')],
    ['not base64', (c) => (image(c, 0).embedding = 'not base64!')],
    ['partial float', (c) => (image(c, 0).embedding = 'AACA')],
    ['mixed lengths', (c) => images(c).push({ ...image(c, 0), embedding: 'AACAPw==' })],
    ['model missing', (c) => delete c.model],
  ]
  for (const [name, mutate] of cases) {
    const c = structuredClone(encoded)
    mutate(c)
    t.throws(() => decodeEmbeddingCache(JSON.stringify(c)), { code: 'EMBEDDING_CACHE_INVALID' }, name)
  }
  t.throws(() => decodeEmbeddingCache('{'), { code: 'EMBEDDING_CACHE_INVALID' }, 'not JSON')
  t.throws(
    () => decodeEmbeddingCache(JSON.stringify([1, 0, 0].map(() => 'x'))),
    { code: 'EMBEDDING_CACHE_INVALID' },
    'not an object of the format',
  )
})
