// The engine's face descriptor: the 128-d ResNet of @vladmandic/face-api (dlib's face_recognition_model), run on
// a dlib-aligned crop of Human's detection (face-api's 68-landmark net on Human's box, then face-api's own
// `align(null, { useDlibAlignment: true })`), mirror-averaged and L2-normalised. Measured against Human's faceres
// in models/candidates/RESULTS.md.
//
// Which face-api build: `dist/face-api.node-wasm.js` (CommonJS) requires `@tensorflow/tfjs` (the umbrella package,
// not installed here) and `@tensorflow/tfjs-backend-wasm`. The umbrella is only core + converter re-exported, so a
// require hook answers `@tensorflow/tfjs` with those two installed 4.22 packages. face-api then runs on the very
// tfjs-core instance that Human's node-wasm build uses, on the WASM backend Human has already initialised (wasm
// files from node_modules/@tensorflow/tfjs-backend-wasm/dist, no network), and shares its tensors.
import { readFile } from 'node:fs/promises'
import Module, { createRequire } from 'node:module'
import path from 'node:path'
import type { Tensor3D } from '@tensorflow/tfjs-core'
import type { Human } from '@vladmandic/human'

const require = createRequire(import.meta.url)
const FACEAPI_DIR = path.resolve(path.dirname(require.resolve('@vladmandic/face-api/package.json')))
export const FACEAPI_MODEL_DIR = path.join(FACEAPI_DIR, 'model')
const FACEAPI_WASM_ENTRY = path.join(FACEAPI_DIR, 'dist', 'face-api.node-wasm.js')
export const FACEAPI_VERSION = (
  JSON.parse(await readFile(path.join(FACEAPI_DIR, 'package.json'), 'utf8')) as { version: string }
).version

/** Descriptor length of face-api's recognition net. */
export const FACEAPI_DESCRIPTOR_LENGTH = 128

// face-api's typings are large; only what is used here.
export interface FaceApiBox {
  x: number
  y: number
  width: number
  height: number
}
export interface FaceApiNet {
  loadFromWeightMap(weightMap: Record<string, unknown>): void
  isLoaded: boolean
}
interface FaceRecognitionNet extends FaceApiNet {
  computeFaceDescriptor(input: Tensor3D): Promise<Float32Array | Float32Array[]>
}
interface FaceLandmarkNet extends FaceApiNet {
  detectLandmarks(input: Tensor3D): Promise<{
    align(detection?: null, options?: { useDlibAlignment: boolean }): FaceApiBox
    positions: Array<{ x: number; y: number }>
  }>
}
interface FaceApiModule {
  nets: { faceRecognitionNet: FaceRecognitionNet; faceLandmark68Net: FaceLandmarkNet }
  tf: Human['tf']
  version: string
}

export interface FaceApiModels {
  faceapi: FaceApiModule
  recognition: FaceRecognitionNet
  landmarks: FaceLandmarkNet
}

let faceapiModule: FaceApiModule | undefined

function requireFaceApi(): FaceApiModule {
  if (faceapiModule) return faceapiModule
  const mod = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown }
  const original = mod._load
  const core = require('@tensorflow/tfjs-core') as Record<string, unknown> & {
    Tensor: { prototype: Record<string, unknown> }
  }
  registerChainedOps(core)
  const umbrella = { ...core, ...(require('@tensorflow/tfjs-converter') as object) }
  mod._load = function (request, parent, isMain) {
    if (request === '@tensorflow/tfjs') return umbrella
    return original.call(this, request, parent, isMain)
  }
  try {
    faceapiModule = require(FACEAPI_WASM_ENTRY) as FaceApiModule
  } finally {
    mod._load = original
  }
  return faceapiModule
}

/**
 * The umbrella `@tensorflow/tfjs` imports tfjs-core's chained ops (`tensor.as3D()`, `tensor.toFloat()`, ...), which
 * face-api calls; the CommonJS bundle of tfjs-core that Human loads has none. Add, on the Tensor prototype, the
 * missing methods as calls of the functional ops (what `register_all_chained_ops` does). Existing methods stay.
 */
const CHAINED_OPS = (
  'abs acos acosh add all any argMax argMin asin asinh atan atan2 atanh avgPool batchToSpaceND batchNorm ' +
  'broadcastTo ceil clipByValue concat conv1d conv2d conv2dTranspose cos cosh cumprod cumsum depthToSpace ' +
  'depthwiseConv2d dilation2d div divNoNan dot elu equal erf euclideanNorm exp expandDims expm1 floor floorDiv ' +
  'gather greater greaterEqual isFinite isInf isNaN leakyRelu less lessEqual localResponseNormalization log log1p ' +
  'logSigmoid logSoftmax logSumExp logicalAnd logicalNot logicalOr logicalXor matMul max maxPool maximum mean min ' +
  'minimum mirrorPad mod mul neg norm notEqual oneHot onesLike pad pow prelu prod reciprocal relu relu6 reshape ' +
  'reverse round rsqrt selu separableConv2d sigmoid sign sin sinh slice softmax softplus spaceToBatchND split sqrt ' +
  'square squaredDifference squeeze stack step stridedSlice sub sum tan tanh tile transpose unstack zerosLike'
).split(' ')

function registerChainedOps(core: Record<string, unknown> & { Tensor: { prototype: Record<string, unknown> } }): void {
  const proto = core.Tensor.prototype
  const op = (name: string) => core[name] as (...args: unknown[]) => unknown
  const add = (name: string, fn: (this: unknown, ...args: unknown[]) => unknown): void => {
    if (typeof proto[name] !== 'function') proto[name] = fn
  }
  add('as1D', function () {
    return op('reshape')(this, [-1])
  })
  for (const name of ['as2D', 'as3D', 'as4D', 'as5D'])
    add(name, function (...shape) {
      return op('reshape')(this, shape)
    })
  add('asScalar', function () {
    return op('reshape')(this, [])
  })
  add('toFloat', function () {
    return op('cast')(this, 'float32')
  })
  add('toInt', function () {
    return op('cast')(this, 'int32')
  })
  add('toBool', function () {
    return op('cast')(this, 'bool')
  })
  add('asType', function (dtype) {
    return op('cast')(this, dtype)
  })
  for (const name of CHAINED_OPS) {
    const value = core[name]
    if (typeof value === 'function')
      add(name, function (...args) {
        return (value as (...a: unknown[]) => unknown)(this, ...args)
      })
  }
}

/**
 * Loads face-api's recognition net (and its 68-point landmark net, for the dlib-aligned crop) from disk onto
 * the tfjs instance that Human uses. Call after `loadHuman()`, so that the WASM backend is set.
 */
export async function loadFaceApi(human: Human): Promise<FaceApiModels> {
  const faceapi = requireFaceApi()
  const tf = human.tf
  if (faceapi.tf.getBackend() !== 'wasm')
    throw new Error(`face-api tfjs backend is ${String(faceapi.tf.getBackend())}, expected wasm`)
  if ((faceapi.tf as unknown as { engine(): unknown }).engine() !== (tf as unknown as { engine(): unknown }).engine()) {
    throw new Error('face-api and Human run on different tfjs engines')
  }
  const recognition = faceapi.nets.faceRecognitionNet
  const landmarks = faceapi.nets.faceLandmark68Net
  recognition.loadFromWeightMap(await loadWeightMap(tf, 'face_recognition_model'))
  landmarks.loadFromWeightMap(await loadWeightMap(tf, 'face_landmark_68_model'))
  return { faceapi, recognition, landmarks }
}

export async function loadWeightMap(tf: Human['tf'], name: string): Promise<Record<string, unknown>> {
  const manifestPath = path.join(FACEAPI_MODEL_DIR, `${name}-weights_manifest.json`)
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Array<{
    paths: string[]
    weights: Array<{ name: string }>
  }>
  const specs = manifest.flatMap((group) => group.weights)
  const parts: Buffer[] = []
  for (const group of manifest)
    for (const file of group.paths) parts.push(await readFile(path.join(FACEAPI_MODEL_DIR, file)))
  const joined = Buffer.concat(parts)
  const data = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength)
  return tf.io.decodeWeights(data, specs as Parameters<Human['tf']['io']['decodeWeights']>[1]) as Record<
    string,
    unknown
  >
}

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

/** Integer crop rectangle clipped to the image; null when nothing is left. */
export function clip(rect: Rect, width: number, height: number): { x: number; y: number; w: number; h: number } | null {
  const x0 = Math.max(0, Math.floor(rect.x))
  const y0 = Math.max(0, Math.floor(rect.y))
  const x1 = Math.min(width, Math.ceil(rect.x + rect.width))
  const y1 = Math.min(height, Math.ceil(rect.y + rect.height))
  if (x1 - x0 < 8 || y1 - y0 < 8) return null
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }
}

/** Crop of `image` ([h, w, 3], 0..255 float) at `rect`; the caller disposes it. */
export function cropTensor(tf: Human['tf'], image: Tensor3D, rect: Rect): Tensor3D | null {
  const [height, width] = image.shape
  const c = clip(rect, width, height)
  if (!c) return null
  return tf.slice(image, [c.y, c.x, 0], [c.h, c.w, 3]) as Tensor3D
}

/**
 * face-api's dlib-aligned face crop, seeded by a detector box: the 68-landmark net runs on the box's crop, and
 * the crop is cut at `align(null, { useDlibAlignment: true })` (a box from the eye and mouth centres), which is
 * what face-api's own `withFaceDescriptor()` uses. `image` is the frame the detector saw ([h, w, 3], RGB
 * 0..255), `box` [x, y, w, h] in its pixels. Null when the box or the aligned box falls outside the image.
 * The caller disposes the crop.
 */
export async function dlibAlignedCrop(
  models: FaceApiModels,
  tf: Human['tf'],
  image: Tensor3D,
  box: readonly [number, number, number, number],
): Promise<Tensor3D | null> {
  const [bx, by, bw, bh] = box
  const c = clip({ x: bx, y: by, width: bw, height: bh }, image.shape[1], image.shape[0])
  if (!c) return null
  const seed = tf.slice(image, [c.y, c.x, 0], [c.h, c.w, 3]) as Tensor3D
  let aligned: FaceApiBox
  try {
    const lm = await models.landmarks.detectLandmarks(seed)
    aligned = lm.align(null, { useDlibAlignment: true })
  } finally {
    tf.dispose(seed)
  }
  return cropTensor(tf, image, { x: aligned.x + c.x, y: aligned.y + c.y, width: aligned.width, height: aligned.height })
}

/**
 * The engine's descriptor of one face: dlib-aligned crop from `box`, mirror-averaged 128-d descriptor,
 * L2-normalised. Empty when no crop can be cut or the descriptor is not finite. Every tensor is disposed.
 */
export async function faceDescriptor(
  models: FaceApiModels,
  tf: Human['tf'],
  image: Tensor3D,
  box: readonly [number, number, number, number],
): Promise<Float32Array> {
  const crop = await dlibAlignedCrop(models, tf, image, box)
  if (!crop) return new Float32Array(0)
  try {
    const { mirror } = await describe(models, tf, crop, true)
    return mirror ?? new Float32Array(0)
  } finally {
    tf.dispose(crop)
  }
}

/**
 * 128-d descriptors of a crop, L2-normalised: `plain`, and `mirror`, the normalised mean of the crop's and its
 * mirror's.
 */
export async function describe(
  models: FaceApiModels,
  tf: Human['tf'],
  crop: Tensor3D,
  withMirror: boolean,
  onPlainMs?: (ms: number) => void,
): Promise<{ plain: Float32Array; mirror: Float32Array | null }> {
  const one = async (t: Tensor3D): Promise<Float32Array> => {
    const d = await models.recognition.computeFaceDescriptor(t)
    return normalize(Array.isArray(d) ? d[0]! : d)
  }
  const start = performance.now()
  const plain = await one(crop)
  onPlainMs?.(performance.now() - start)
  if (!withMirror || plain.length === 0) return { plain, mirror: null }
  const flipped = tf.reverse(crop, 1) as Tensor3D
  try {
    const other = await one(flipped)
    return { plain, mirror: other.length === 0 ? new Float32Array(0) : normalize(plain.map((v, i) => v + other[i]!)) }
  } finally {
    tf.dispose(flipped)
  }
}

export function normalize(v: Float32Array): Float32Array {
  let s = 0
  for (const x of v) s += x * x
  const n = Math.sqrt(s)
  if (!(n > 0) || !Number.isFinite(n)) return new Float32Array(0)
  return v.map((x) => x / n)
}
