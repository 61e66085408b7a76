// Loads @vladmandic/human on the tfjs WASM backend, with its models read from disk. No network at run time.
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { io } from '@tensorflow/tfjs-core'
import type { Config, Human } from '@vladmandic/human'
import type { FaceModelId } from './face-types.ts'

type HumanModule = typeof import('@vladmandic/human')
type Tf = Human['tf']

const require = createRequire(import.meta.url)
// The package's `exports` map does not expose the WASM build: resolve the package root, then load files by path.
const HUMAN_DIR = path.resolve(path.dirname(require.resolve('@vladmandic/human')), '..')
const HUMAN_WASM_ENTRY = path.join(HUMAN_DIR, 'dist', 'human.node-wasm.js')
export const HUMAN_MODELS_DIR = path.join(HUMAN_DIR, 'models')
/** A one-face photo that Human ships, used to warm up a worker before its first real frame. */
export const WARMUP_IMAGE = path.join(HUMAN_DIR, 'assets', 'screenshot-faceid.jpg')
const WASM_DIR =
  path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep

const humanVersion = (JSON.parse(readFileSync(path.join(HUMAN_DIR, 'package.json'), 'utf8')) as { version: string })
  .version
const faceapiPackage = require.resolve('@vladmandic/face-api/package.json')
const faceapiVersion = (JSON.parse(readFileSync(faceapiPackage, 'utf8')) as { version: string }).version

/**
 * Identity of the templates this engine produces: the descriptor model and the code that crops for it. Human
 * detects; face-api's 128-d ResNet describes a dlib-aligned crop (models/faceapi-descriptor.ts). One id for both
 * backends: onnxruntime gives tfjs's boxes and scores and its descriptors to 1 - cosine < 1e-12
 * (test/models/backend-equivalence.test.ts); were that to fail, the id would have to change.
 */
export const FACE_MODEL_ID: FaceModelId = Object.freeze({
  name: 'human+faceapi-resnet',
  version: `${humanVersion}+${faceapiVersion}`,
}) // '3.3.6+1.7.15'

/**
 * Human's models that must be loaded for every output of the engine (face-api's are loaded by
 * faceapi-descriptor.ts).
 */
export const REQUIRED_MODELS = ['blazeface', 'facemesh', 'antispoof', 'liveness'] as const

/**
 * Human's configuration for the kiosk: faces only, nothing cached between calls, every face up to 3,
 * low detector threshold so that the project applies its own calibrated thresholds.
 *
 * Measured on this 2-core machine (1280x720 frames, one face, minimum over runs): blazeface + mesh + crops
 * ~30 ms, faceres ~76 ms, antispoof + liveness ~8 ms, JPEG decode ~5 ms. The mesh costs ~4 ms and gives pose and
 * the mesh score; it is not needed for the per-face crops (Human cuts them from the detector box, at 192 px with
 * the mesh and 256 px without; embeddings of the two agree to cosine 0.998). blazeface's input is fixed at
 * 256x256 by the model graph: there is no detector size to tune.
 */
export function buildHumanConfig(): Partial<Config> {
  const noSkip = { skipFrames: 0, skipTime: 0 }
  return {
    backend: 'wasm',
    wasmPath: WASM_DIR,
    wasmPlatformFetch: false,
    modelBasePath: pathToFileURL(HUMAN_MODELS_DIR).href + '/',
    cacheModels: false,
    validateModels: true,
    debug: false,
    // Sequential per-face models, so that the worker can time each stage. WASM is single-threaded here anyway.
    async: false,
    warmup: 'none',
    // Trap: the default (0.7) reuses the previous result when frames look alike.
    cacheSensitivity: 0,
    deallocate: false,
    filter: { enabled: false, equalization: false, flip: false, return: false } as Config['filter'],
    face: {
      enabled: true,
      detector: {
        rotation: false,
        // Trap: the default keeps one face; the kiosk must see a second person behind the traveller.
        maxDetected: 3,
        minConfidence: 0.2,
        iouThreshold: 0.1,
        // Human's default, stated because the onnxruntime pipeline reads it from here (ort/onnx-face-pipeline.ts).
        scale: 1.4,
        return: false,
        ...noSkip,
      },
      // keepInvalid: a face whose mesh is unsure is still reported (meshScore tells), the project decides.
      mesh: { enabled: true, keepInvalid: true },
      iris: { enabled: false },
      attention: { enabled: false },
      emotion: { enabled: false, ...noSkip },
      // The descriptor is face-api's (models/faceapi-descriptor.ts): Human's faceres is not run.
      description: { enabled: false },
      antispoof: { enabled: true, ...noSkip },
      liveness: { enabled: true, ...noSkip },
      gear: { enabled: false },
    } as Config['face'],
    body: { enabled: false } as Config['body'],
    hand: { enabled: false } as Config['hand'],
    object: { enabled: false } as Config['object'],
    gesture: { enabled: false },
    segmentation: { enabled: false } as Config['segmentation'],
  }
}

/** Creates Human, loads every required model and checks that each one is there. Throws on failure. */
export async function loadHuman(): Promise<Human> {
  const { Human: HumanClass } = require(HUMAN_WASM_ENTRY) as HumanModule
  const human = new HumanClass(buildHumanConfig())
  registerFileLoader(human.tf)
  await human.load()
  const loaded = new Set(human.models.loaded())
  const missing = REQUIRED_MODELS.filter((name) => !loaded.has(name))
  if (missing.length > 0) throw new Error(`face models not loaded: ${missing.join(', ')} (from ${HUMAN_MODELS_DIR})`)
  if (human.tf.getBackend() !== 'wasm') throw new Error(`tfjs backend is ${human.tf.getBackend()}, expected wasm`)
  return human
}

const registered = new WeakSet<object>()

/** tfjs in this build has no file:// handler (that lives in tfjs-node): read the model JSON and weights from disk. */
function registerFileLoader(tf: Tf): void {
  if (registered.has(tf.io)) return
  registered.add(tf.io)
  tf.io.registerLoadRouter((url: string | string[]) => {
    const href = Array.isArray(url) ? url[0] : url
    if (typeof href !== 'string' || !href.startsWith('file://')) return null
    return { load: () => loadModelFromDisk(tf, fileURLToPath(href)) }
  })
}

async function loadModelFromDisk(tf: Tf, jsonPath: string): Promise<io.ModelArtifacts> {
  const modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as io.ModelJSON
  const dir = path.dirname(jsonPath)
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest: io.WeightsManifestConfig) => {
    const weightSpecs = manifest.flatMap((group) => group.weights)
    const parts: Buffer[] = []
    for (const group of manifest) {
      for (const file of group.paths) {
        const weightPath = path.resolve(dir, file)
        if (path.dirname(weightPath) !== dir) throw new Error(`weight file outside model folder: ${file}`)
        parts.push(await readFile(weightPath))
      }
    }
    const joined = Buffer.concat(parts)
    const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength)
    return [weightSpecs, weightData]
  })
}
