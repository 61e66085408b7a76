// The face region the presentation-attack classifier looks at: the engine's box widened by a fixed margin,
// clamped to the frame, and resampled to a fixed square by area averaging, so that a face of any size gives
// the same number of texture samples and downscaling does not alias print dots into false patterns.
import type { Box } from '../face-types.ts'

/** Interleaved 8-bit pixels, 3 (RGB) or 4 (RGBA) channels. */
export interface PadPixels {
  data: Uint8Array
  width: number
  height: number
  channels: 3 | 4
}

/** RGB planes of a size x size crop, values 0..255. */
export interface FaceCrop {
  size: number
  r: Float32Array
  g: Float32Array
  b: Float32Array
}

/**
 * Crops `box` widened by `margin` (a share of the box's width and height on every side) and resizes it to
 * size x size. Parts of the widened box outside the frame are clamped to the frame's edge. Throws RangeError
 * on an empty box.
 */
export function cropFace(image: PadPixels, box: Box, size: number, margin: number): FaceCrop {
  const [bx, by, bw, bh] = box
  if (!(bw > 0 && bh > 0)) throw new RangeError('empty face box')
  // A square around the box's centre: a face's aspect varies with the detector, the texture scale should not.
  const side = Math.max(bw, bh) * (1 + 2 * margin)
  const x0 = bx + bw / 2 - side / 2
  const y0 = by + bh / 2 - side / 2
  const step = side / size
  const n = size * size
  const crop: FaceCrop = { size, r: new Float32Array(n), g: new Float32Array(n), b: new Float32Array(n) }
  const { data, width, height, channels } = image
  // Source pixels per output pixel along each axis (at least 1): the area each output pixel averages.
  const taps = Math.max(1, Math.round(step))
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      let r = 0
      let g = 0
      let b = 0
      for (let ty = 0; ty < taps; ty++) {
        const sy = clamp(Math.floor(y0 + (oy + (ty + 0.5) / taps) * step), height - 1)
        for (let tx = 0; tx < taps; tx++) {
          const sx = clamp(Math.floor(x0 + (ox + (tx + 0.5) / taps) * step), width - 1)
          const i = (sy * width + sx) * channels
          r += data[i]!
          g += data[i + 1]!
          b += data[i + 2]!
        }
      }
      const k = taps * taps
      const o = oy * size + ox
      crop.r[o] = r / k
      crop.g[o] = g / k
      crop.b[o] = b / k
    }
  }
  return crop
}

const clamp = (v: number, max: number): number => (v < 0 ? 0 : v > max ? max : v)
