// YUV4MPEG2 (.y4m) writing: the raw format Chromium's --use-file-for-fake-video-capture plays as a camera.
// Pure: RGB24 in, the header and I420 frame bytes out.

export interface Y4mFormat {
  width: number
  height: number
  fps: number
}

/** Stream header. C420jpeg is 4:2:0 with centred chroma, the layout ffmpeg writes and Chromium reads. */
export function y4mHeader({ width, height, fps }: Y4mFormat): Buffer {
  const [num, den] = fpsRatio(fps)
  return Buffer.from(`YUV4MPEG2 W${width} H${height} F${num}:${den} Ip A1:1 C420jpeg\n`, 'ascii')
}

export const Y4M_FRAME_MARKER = Buffer.from('FRAME\n', 'ascii')

/** Bytes of one frame after its marker: a full Y plane and quarter-size U and V planes. */
export function i420Size(width: number, height: number): number {
  return width * height + 2 * (width / 2) * (height / 2)
}

/**
 * RGB24 to I420, BT.601 limited range (what ffmpeg's default rgb24 -> yuv420p conversion produces and players
 * assume for SD video). Chroma is the mean of each 2x2 block. Width and height must be even.
 */
export function rgbToI420(rgb: Uint8Array, width: number, height: number): Buffer {
  if (width % 2 !== 0 || height % 2 !== 0) throw new RangeError(`I420 needs an even frame size, got ${width}x${height}`)
  if (rgb.byteLength !== width * height * 3)
    throw new RangeError(`expected ${width * height * 3} bytes of RGB24, got ${rgb.byteLength}`)
  const out = Buffer.alloc(i420Size(width, height))
  const cw = width / 2
  const uBase = width * height
  const vBase = uBase + cw * (height / 2)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      out[y * width + x] = clampByte(16 + (65.738 * rgb[i]! + 129.057 * rgb[i + 1]! + 25.064 * rgb[i + 2]!) / 256)
    }
  }
  for (let cy = 0; cy < height / 2; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      let r = 0
      let g = 0
      let b = 0
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const i = ((cy * 2 + dy) * width + cx * 2 + dx) * 3
          r += rgb[i]!
          g += rgb[i + 1]!
          b += rgb[i + 2]!
        }
      }
      r /= 4
      g /= 4
      b /= 4
      out[uBase + cy * cw + cx] = clampByte(128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256)
      out[vBase + cy * cw + cx] = clampByte(128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256)
    }
  }
  return out
}

/** Frame rate as an integer ratio (29.97 -> 30000:1001). */
function fpsRatio(fps: number): [number, number] {
  if (Number.isInteger(fps)) return [fps, 1]
  return [Math.round(fps * 1001), 1001]
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v)
}
