// The classifier's input vector for one face: uniform-LBP histograms of the face crop in six colour planes
// (Y, Cb, Cr, H, S, V), at each configured radius, square-rooted (Hellinger) so that a linear model weighs
// rare and common patterns alike.
import type { Box } from '../face-types.ts'
import { colourPlanes } from './colour-spaces.ts'
import { cropFace, type PadPixels } from './face-crop.ts'
import { LBP_BINS, lbpHistogram } from './lbp.ts'

export interface PadFeatureConfig {
  /** Side of the square crop in pixels. */
  cropSize: number
  /** Margin added around the engine's box on every side, as a share of its longer side. */
  margin: number
  /** LBP neighbour distances, in crop pixels. */
  radii: number[]
}

export const PLANES = ['Y', 'Cb', 'Cr', 'H', 'S', 'V'] as const

export const featureLength = (config: PadFeatureConfig): number => PLANES.length * config.radii.length * LBP_BINS

/** The feature vector of the face in `box`. Throws RangeError on an empty box. */
export function padFeatures(image: PadPixels, box: Box, config: PadFeatureConfig): Float64Array {
  const crop = cropFace(image, box, config.cropSize, config.margin)
  const planes = colourPlanes(crop.r, crop.g, crop.b)
  const out = new Float64Array(featureLength(config))
  let offset = 0
  for (const plane of planes) {
    for (const radius of config.radii) {
      const hist = lbpHistogram(plane, config.cropSize, radius)
      for (let i = 0; i < LBP_BINS; i++) out[offset + i] = Math.sqrt(hist[i]!)
      offset += LBP_BINS
    }
  }
  return out
}
