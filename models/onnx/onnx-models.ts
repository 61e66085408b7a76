// The ONNX models the engine runs, each made from the weights that an installed npm package ships: which package,
// which weights, which graph builder. `npm run models:onnx` writes them to models/onnx/generated/; the engine reads
// a file from there, or builds the same bytes in memory when it is missing (an install that skipped the script).
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildFaceapiLandmarks } from './faceapi-landmarks-graph.ts'
import { buildFaceapiResnet } from './faceapi-resnet-graph.ts'
import { convertTfjsGraph, type TfjsGraphModel } from './tfjs-graph-onnx.ts'
import type { OnnxGraph } from './onnx-graph.ts'
import { readWeights, type WeightGroup, type WeightMap } from './tfjs-weights.ts'

const require = createRequire(import.meta.url)
export const GENERATED_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'generated')
const FACEAPI_DIR = path.dirname(require.resolve('@vladmandic/face-api/package.json'))
const FACEAPI_VERSION = packageVersion(FACEAPI_DIR)
const HUMAN_DIR = path.resolve(path.dirname(require.resolve('@vladmandic/human')), '..')
const HUMAN_VERSION = packageVersion(HUMAN_DIR)

export type OnnxModelName =
  'faceapi-landmarks' | 'faceapi-resnet' | 'human-blazeface' | 'human-facemesh' | 'human-antispoof' | 'human-liveness'

interface OnnxModelSource {
  /** Package and version the weights come from: part of the file name, so an upgrade never reads a stale file. */
  origin: string
  build(): Promise<OnnxGraph>
}

const SOURCES: Record<OnnxModelName, OnnxModelSource> = {
  'faceapi-landmarks': {
    origin: `face-api-${FACEAPI_VERSION}`,
    build: async () => buildFaceapiLandmarks(await faceapiWeights('face_landmark_68_model')),
  },
  'faceapi-resnet': {
    origin: `face-api-${FACEAPI_VERSION}`,
    build: async () => buildFaceapiResnet(await faceapiWeights('face_recognition_model')),
  },
  'human-blazeface': humanGraph('blazeface'),
  'human-facemesh': humanGraph('facemesh'),
  'human-antispoof': humanGraph('antispoof'),
  'human-liveness': humanGraph('liveness'),
}

export const ONNX_MODEL_NAMES = Object.keys(SOURCES) as OnnxModelName[]

export function onnxFileName(name: OnnxModelName): string {
  return `${name}-${SOURCES[name].origin}.onnx`
}

/** The model's ONNX bytes, made from the package's weights. Deterministic: the same package gives the same bytes. */
export async function buildOnnxModel(name: OnnxModelName): Promise<Uint8Array> {
  const source = SOURCES[name]
  return (await source.build()).toBytes(`echannel models:onnx from ${source.origin}`)
}

/** The generated file when present, otherwise the same model built in memory. */
export async function loadOnnxModel(name: OnnxModelName): Promise<Uint8Array> {
  try {
    return await readFile(path.join(GENERATED_DIR, onnxFileName(name)))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    return buildOnnxModel(name)
  }
}

async function faceapiWeights(model: string): Promise<WeightMap> {
  const dir = path.join(FACEAPI_DIR, 'model')
  const manifest = JSON.parse(await readFile(path.join(dir, `${model}-weights_manifest.json`), 'utf8')) as WeightGroup[]
  return readWeights(dir, manifest)
}

/** One of Human's tfjs graph models (models/<name>.json and its .bin), converted op for op. */
function humanGraph(model: string): OnnxModelSource {
  return {
    origin: `human-${HUMAN_VERSION}`,
    build: async () => {
      const dir = path.join(HUMAN_DIR, 'models')
      const json = JSON.parse(await readFile(path.join(dir, `${model}.json`), 'utf8')) as TfjsGraphModel & {
        weightsManifest: WeightGroup[]
      }
      return convertTfjsGraph(`human_${model}`, json, await readWeights(dir, json.weightsManifest))
    },
  }
}

function packageVersion(dir: string): string {
  return (require(path.join(dir, 'package.json')) as { version: string }).version
}
