import type { FaceAnalysis, FaceEngine } from '../../models/face-types.ts'
import { ImageError } from '../../models/image-errors.ts'
import { face, TEST_MODEL, unitVector } from './faces.ts'

/**
 * Route tests drive enrolment without models: the "photo" is JSON that says which faces it holds,
 * e.g. {"faces":[{"axis":2}]}. Anything else is an unsupported image, as a real decoder would say.
 */
export function fakeFaceEngine(): FaceEngine & { calls: number } {
  const engine = {
    model: TEST_MODEL,
    calls: 0,
    async analyze(image: Uint8Array): Promise<FaceAnalysis> {
      engine.calls++
      let spec: { faces: Array<FakeFace> }
      try {
        spec = JSON.parse(Buffer.from(image).toString('utf8'))
      } catch {
        throw new ImageError('IMAGE_UNSUPPORTED', 'not an image')
      }
      return {
        width: 640,
        height: 480,
        model: TEST_MODEL,
        timings: { decodeMs: 1, detectMs: 1, embedMs: 1, livenessMs: 1 },
        // Side by side, as two people would stand.
        faces: spec.faces.map((f, i) =>
          face({
            box: [40 + i * 200, 100, 160, 180],
            embedding: unitVector(f.axis ?? 0, f.tilt ?? 0),
            faceSizePx: f.size ?? 160,
            detectorScore: f.score ?? 0.95,
            antispoof: f.antispoof ?? 0.9,
            geometry: { parallax: f.parallax ?? 0, earImageLeft: 0.3, earImageRight: 0.3, proportion: 1.1 },
          }),
        ),
      }
    },
    async close() {},
  }
  return engine
}

/** A fake face: `axis` is the person, `tilt` (radians toward the next axis) another photo of them. */
export interface FakeFace {
  axis?: number
  tilt?: number
  size?: number
  score?: number
  antispoof?: number
  /** The nose's parallax (a head turn: + is the traveller's left). */
  parallax?: number
}

export const photoOf = (faces: FakeFace[]) => Buffer.from(JSON.stringify({ faces })).toString('base64')
