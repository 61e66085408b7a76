// The face region the presentation-attack classifier looks at: the engine's box widened by a fixed margin,
// cut to the frame, and resampled to a fixed square by area averaging, so that a face of any size gives
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
 * Crops the square around `box` widened by `margin` (a share of its longer side on every side), cut to the frame,
 * and resizes it to size x size. Throws RangeError on an empty box or one wholly outside the frame.
 */
export function cropFace(image: PadPixels, box: Box, size: number, margin: number): FaceCrop {
  const [bx, by, bw, bh] = box
  if (!(bw > 0 && bh > 0)) throw new RangeError('empty face box')
  const { data, width, height, channels } = image
  // A square around the box's centre (a face's aspect varies with the detector, the texture scale should not),
  // cut to the frame: a face filling the frame must not be padded with repeated edge pixels, a flat streaky
  // texture that no live face has.
  const side = Math.max(bw, bh) * (1 + 2 * margin)
  const left = Math.max(0, bx + bw / 2 - side / 2)
  const top = Math.max(0, by + bh / 2 - side / 2)
  const right = Math.min(width, bx + bw / 2 + side / 2)
  const bottom = Math.min(height, by + bh / 2 + side / 2)
  if (!(right > left && bottom > top)) throw new RangeError('face box outside the frame')
  const stepX = (right - left) / size
  const stepY = (bottom - top) / size
  const n = size * size
  const crop: FaceCrop = { size, r: new Float32Array(n), g: new Float32Array(n), b: new Float32Array(n) }
  // Source pixels per output pixel along each axis (at least 1): the area each output pixel averages.
  const tapsX = Math.max(1, Math.round(stepX))
  const tapsY = Math.max(1, Math.round(stepY))
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      let r = 0
      let g = 0
      let b = 0
      for (let ty = 0; ty < tapsY; ty++) {
        const sy = clamp(Math.floor(top + (oy + (ty + 0.5) / tapsY) * stepY), height - 1)
        for (let tx = 0; tx < tapsX; tx++) {
          const sx = clamp(Math.floor(left + (ox + (tx + 0.5) / tapsX) * stepX), width - 1)
          const i = (sy * width + sx) * channels
          r += data[i]!
          g += data[i + 1]!
          b += data[i + 2]!
        }
      }
      const k = tapsX * tapsY
      const o = oy * size + ox
      crop.r[o] = r / k
      crop.g[o] = g / k
      crop.b[o] = b / k
    }
  }
  return crop
}

const clamp = (v: number, max: number): number => (v < 0 ? 0 : v > max ? max : v)
