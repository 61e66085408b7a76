import sharp, { type Metadata, type SharpOptions } from 'sharp'
import type { FrameImage, RawPixels } from './face-types.ts'
import { ImageError } from './image-errors.ts'

// Hostile images are stopped before decode: the format is sniffed from the magic bytes (no other loader
// ever sees the bytes), the header is read, and the pixel count is capped far below sharp's default
// (268 MP). Decoding then runs with the same cap, strict failOn and a time limit, in case the header lied.

/** 24 MP: a 6000 x 4000 camera photo. sharp's default is 268 MP (about 1 GB of RGBA). */
export const MAX_INPUT_PIXELS = 24_000_000
/** Longest side accepted (WebP's own limit is 16383), so that a 1 x 24M strip is refused too. */
const MAX_INPUT_SIDE = 16_384
/** Far above any photo or camera frame; bodies are capped per route before this. */
const MAX_INPUT_BYTES = 32 * 1024 * 1024
/** libvips aborts a decode that runs longer (a CPU bomb, e.g. a progressive JPEG with thousands of scans). */
const DECODE_TIMEOUT_SEC = 10

type AcceptedFormat = 'jpeg' | 'png' | 'webp'

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

/**
 * Encoded JPEG/PNG/WebP in, 8-bit sRGB raw pixels out, EXIF orientation applied. Grey, CMYK, 16-bit,
 * palette and ICC-tagged images are all converted; with 3 channels, transparency is flattened onto white
 * (what a viewer sees), never dropped to reveal the colours hidden under it.
 * Rejects with ImageError: IMAGE_UNSUPPORTED, IMAGE_TOO_LARGE or IMAGE_CORRUPT. Messages are generic
 * (they reach API clients); the library's own error is kept as `cause`.
 */
export async function decodeImage(input: Uint8Array, options: DecodeOptions): Promise<RawImage> {
  if (options.channels !== 3 && options.channels !== 4) throw new RangeError('channels must be 3 or 4')
  if (options.maxSide !== undefined && !(Number.isInteger(options.maxSide) && options.maxSide > 0)) {
    throw new RangeError('maxSide must be a positive integer')
  }
  if (!(input instanceof Uint8Array) || input.byteLength === 0) throw new ImageError('IMAGE_UNSUPPORTED', 'empty image')
  if (input.byteLength > MAX_INPUT_BYTES) throw new ImageError('IMAGE_TOO_LARGE', 'image file is too large')

  const format = sniffFormat(input)
  if (!format) throw new ImageError('IMAGE_UNSUPPORTED', 'only JPEG, PNG and WebP images are accepted')

  const meta = await readMetadata(input)
  if (meta.format !== format) throw new ImageError('IMAGE_UNSUPPORTED', 'only JPEG, PNG and WebP images are accepted')
  const { width, height } = meta
  if (!isPositiveInteger(width) || !isPositiveInteger(height))
    throw new ImageError('IMAGE_CORRUPT', 'image has no dimensions')
  if (width * height > MAX_INPUT_PIXELS || width > MAX_INPUT_SIDE || height > MAX_INPUT_SIDE) {
    throw new ImageError(
      'IMAGE_TOO_LARGE',
      `image is larger than ${MAX_INPUT_PIXELS} pixels or ${MAX_INPUT_SIDE} pixels a side`,
    )
  }

  try {
    let pipeline = sharp(input, decodeInputOptions(MAX_INPUT_PIXELS))
      .timeout({ seconds: DECODE_TIMEOUT_SEC })
      .autoOrient()
    if (options.maxSide) {
      pipeline = pipeline.resize({
        width: options.maxSide,
        height: options.maxSide,
        fit: 'inside',
        withoutEnlargement: true,
      })
    }
    // Embedded ICC profiles and CMYK (with sharp's built-in CMYK profile when none is embedded) go to sRGB;
    // grey becomes three equal channels; 16-bit samples are scaled (not clipped) to 8 bits.
    pipeline = pipeline.toColourspace('srgb')
    pipeline =
      options.channels === 3 ? pipeline.flatten({ background: '#ffffff' }).removeAlpha() : pipeline.ensureAlpha()
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
    if (info.channels !== options.channels || data.byteLength !== info.width * info.height * options.channels) {
      throw new Error(
        `unexpected decoder output: ${info.width}x${info.height}x${info.channels}, ${data.byteLength} bytes`,
      )
    }
    return { data, width: info.width, height: info.height, channels: options.channels }
  } catch (error) {
    throw withCause(new ImageError('IMAGE_CORRUPT', 'image could not be decoded'), error)
  }
}

/**
 * Raw pixels (a camera frame decoded already) to what decodeImage gives for an encoded one: the asked channels,
 * within maxSide. Pixels already in that shape are handed on as they are, without a copy.
 */
export async function decodeRawPixels(pixels: RawPixels, options: DecodeOptions): Promise<RawImage> {
  const { data, width, height, channels } = pixels
  if (![1, 3, 4].includes(channels) || !isPositiveInteger(width) || !isPositiveInteger(height))
    throw new ImageError('IMAGE_CORRUPT', 'raw frame has no dimensions')
  if (!(data instanceof Uint8Array) || data.byteLength !== width * height * channels)
    throw new ImageError('IMAGE_CORRUPT', 'raw frame size does not match its pixels')
  if (width * height > MAX_INPUT_PIXELS || width > MAX_INPUT_SIDE || height > MAX_INPUT_SIDE)
    throw new ImageError(
      'IMAGE_TOO_LARGE',
      `image is larger than ${MAX_INPUT_PIXELS} pixels or ${MAX_INPUT_SIDE} a side`,
    )
  const fits = !options.maxSide || Math.max(width, height) <= options.maxSide
  if (fits && channels === options.channels) {
    return { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), width, height, channels }
  }
  let pipeline = sharp(data, { raw: { width, height, channels } })
  if (!fits) pipeline = pipeline.resize({ width: options.maxSide, height: options.maxSide, fit: 'inside' })
  // Grey becomes three equal channels; as in decodeImage, transparency is flattened onto white for 3 channels.
  pipeline = pipeline.toColourspace('srgb')
  pipeline = options.channels === 3 ? pipeline.flatten({ background: '#ffffff' }).removeAlpha() : pipeline.ensureAlpha()
  const out = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true })
  return { data: out.data, width: out.info.width, height: out.info.height, channels: options.channels }
}

/** A camera frame, encoded or raw, as raw pixels of the asked shape. Rejects with ImageError. */
export function decodeFrameImage(image: FrameImage, options: DecodeOptions): Promise<RawImage> {
  return image instanceof Uint8Array ? decodeImage(image, options) : decodeRawPixels(image, options)
}

/** The format from the magic bytes alone. Everything else (GIF, SVG, TIFF, HEIF/AVIF, raw...) is null. */
function sniffFormat(b: Uint8Array): AcceptedFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg'
  if (b.length >= 8 && PNG_SIGNATURE.every((byte, i) => b[i] === byte)) return 'png'
  if (b.length >= 16 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP' && ascii(b, 12, 15) === 'VP8')
    return 'webp'
  return null
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const

function ascii(b: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...b.subarray(from, to))
}

/** Options for every sharp instance over untrusted bytes: first page only, no unlimited mode. */
function decodeInputOptions(limitInputPixels: number | false): SharpOptions {
  return { limitInputPixels, failOn: 'warning', sequentialRead: true, unlimited: false, pages: 1, animated: false }
}

/** Reads the header only; no pixel is decoded, so the header's size can be checked before anything else. */
async function readMetadata(input: Uint8Array): Promise<Metadata> {
  try {
    // No pixel limit here: the caller checks the size itself, to answer IMAGE_TOO_LARGE rather than a decode error.
    return await sharp(input, decodeInputOptions(false)).metadata()
  } catch (error) {
    throw withCause(new ImageError('IMAGE_CORRUPT', 'image header could not be read'), error)
  }
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}

function withCause(error: ImageError, cause: unknown): ImageError {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false, configurable: true, writable: true })
  return error
}
