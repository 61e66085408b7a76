// Feature rows of the training images: each image decoded as the face worker decodes a frame, its largest
// detected face cropped at the engine's box. Images without a face have no row (the gate refers them as NO_FACE).
import { readFile } from 'node:fs/promises'
import { DEFAULT_MAX_SIDE } from '../../models/face-engine.ts'
import { decodeImage } from '../../models/image-decode.ts'
import { padFeatures, type PadFeatureConfig } from '../../models/pad/pad-features.ts'
import type { CachedFace, DetectionCache } from './pad-detections.ts'
import type { Sample } from './pad-dataset.ts'

export interface Row {
  sample: Sample
  face: CachedFace
  /** One feature vector per requested configuration. */
  features: Float64Array[]
}

export async function featureRows(
  samples: readonly Sample[],
  detections: DetectionCache,
  configs: readonly PadFeatureConfig[],
): Promise<{ rows: Row[]; noFace: Sample[] }> {
  const rows: Row[] = []
  const noFace: Sample[] = []
  let done = 0
  for (const sample of samples) {
    const face = detections[sample.file]?.faces[0]
    if (!face) {
      noFace.push(sample)
      continue
    }
    const raw = await decodeImage(await readFile(sample.file), { channels: 3, maxSide: DEFAULT_MAX_SIDE })
    const scale = raw.width / detections[sample.file]!.width
    const box = face.box.map((v) => v * scale) as CachedFace['box']
    const image = { data: raw.data, width: raw.width, height: raw.height, channels: raw.channels }
    rows.push({ sample, face, features: configs.map((c) => padFeatures(image, box, c)) })
    if (++done % 500 === 0) process.stderr.write(`features ${done}/${samples.length}\n`)
  }
  return { rows, noFace }
}
