// The classifier's input vector for one face: uniform-LBP histograms of the face crop in six colour planes
// (Y, Cb, Cr, H, S, V), at each configured radius, square-rooted (Hellinger) so that a linear model weighs
// rare and common patterns alike; optionally followed by spectrum features of the grey crop at given sizes
// (a replay's pixel grid, moire and blur) and colour moments (a display's or ink's gamut, specular glare).
import type { Box } from '../face-types.ts'
import { COLOUR_MOMENT_FEATURES, colourMoments } from './colour-moments.ts'
import { colourPlanes } from './colour-spaces.ts'
import { cropFace, type PadPixels } from './face-crop.ts'
import { LBP_BINS, lbpHistogram } from './lbp.ts'
import { SPECTRUM_FEATURES, spectrumFeatures } from './spectrum.ts'

export interface PadFeatureConfig {
  /** Side of the square crop in pixels. */
  cropSize: number
  /** Margin added around the engine's box on every side, as a share of its longer side. */
  margin: number
  /** LBP neighbour distances, in crop pixels. */
  radii: number[]
  /** Sides (powers of two) of grey crops whose spectrum features follow the LBP histograms; none when absent. */
  spectrumSizes?: number[]
  /** Colour moments of the crop (Y, Cb, Cr, S) and its highlight share, last; absent when false or missing. */
  colourMoments?: boolean
}

export const PLANES = ['Y', 'Cb', 'Cr', 'H', 'S', 'V'] as const

export const featureLength = (config: PadFeatureConfig): number =>
  PLANES.length * config.radii.length * LBP_BINS +
  (config.spectrumSizes?.length ?? 0) * SPECTRUM_FEATURES +
  (config.colourMoments ? COLOUR_MOMENT_FEATURES : 0)

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
  for (const size of config.spectrumSizes ?? []) {
    const grey = size === config.cropSize ? planes[0]! : greyPlane(cropFace(image, box, size, config.margin))
    out.set(spectrumFeatures(grey, size), offset)
    offset += SPECTRUM_FEATURES
  }
  if (config.colourMoments) out.set(colourMoments(planes[0]!, planes[1]!, planes[2]!, planes[4]!, planes[5]!), offset)
  return out
}

/** The Y (BT.601 luma) plane of a crop, as colourPlanes computes it. */
function greyPlane(crop: { r: Float32Array; g: Float32Array; b: Float32Array }): Float32Array {
  const y = new Float32Array(crop.r.length)
  for (let i = 0; i < y.length; i++) y[i] = 0.299 * crop.r[i]! + 0.587 * crop.g[i]! + 0.114 * crop.b[i]!
  return y
}
