import sharp, { type Metadata } from 'sharp'
import { ImageError } from './image-errors.ts'

// Hostile images are stopped before decode: header read first, pixel cap far below sharp's default.
export const MAX_INPUT_PIXELS = 40_000_000
const ALLOWED_FORMATS = new Set(['jpeg', 'png', 'webp'])

export interface RawImage {
  data: Buffer
  width: number
  height: number
  channels: 3 | 4
}

export interface DecodeOptions {
  channels: 3 | 4
  /** Downscale so that the longer side is at most this many pixels. */
  maxSide?: number
}

/** Encoded JPEG/PNG/WebP in, 8-bit sRGB raw pixels out, EXIF orientation applied. */
export async function decodeImage(input: Uint8Array, options: DecodeOptions): Promise<RawImage> {
  const meta = await readMetadata(input)
  if (!meta.format || !ALLOWED_FORMATS.has(meta.format)) {
    throw new ImageError('IMAGE_UNSUPPORTED', `format ${meta.format ?? 'unknown'} is not accepted`)
  }
  if (!meta.width || !meta.height) throw new ImageError('IMAGE_CORRUPT', 'image has no dimensions')
  if (meta.width * meta.height > MAX_INPUT_PIXELS) {
    throw new ImageError('IMAGE_TOO_LARGE', `image has ${meta.width}x${meta.height} pixels`)
  }
  try {
    let pipeline = sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'warning', sequentialRead: true })
      .rotate()
      .toColourspace('srgb')
    if (options.maxSide) {
      pipeline = pipeline.resize({ width: options.maxSide, height: options.maxSide, fit: 'inside', withoutEnlargement: true })
    }
    pipeline = options.channels === 3 ? pipeline.removeAlpha() : pipeline.ensureAlpha()
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
    return { data, width: info.width, height: info.height, channels: options.channels }
  } catch (error) {
    throw new ImageError('IMAGE_CORRUPT', `image could not be decoded: ${(error as Error).message}`)
  }
}

async function readMetadata(input: Uint8Array): Promise<Metadata> {
  try {
    return await sharp(input, { limitInputPixels: false }).metadata()
  } catch {
    throw new ImageError('IMAGE_UNSUPPORTED', 'not a readable image')
  }
}
