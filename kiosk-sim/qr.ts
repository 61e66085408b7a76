// QR decoding of a camera frame: an encoded image or raw pixels in, token text out (or null when no QR is readable).
// Two decoders: zxing-wasm (default, faster and reads more frames, see bench/qr.ts) and jsqr.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import jsqrModule from 'jsqr'
import sharp from 'sharp'
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader'
import type { FrameImage } from '../models/face-types.ts'
import { decodeFrameImage, type RawImage } from '../models/image-decode.ts'

export type QrDecoderName = 'zxing' | 'jsqr'

export interface QrResult {
  text: string
  decoder: QrDecoderName
  /** Scale of the (downscaled) frame at which the QR was read. */
  scale: number
  /** Wall time of the whole call: image decode (or, for raw pixels, their conversion) plus every attempt. */
  ms: number
}

export interface QrDecodeOptions {
  decoder?: QrDecoderName
}

export const DEFAULT_QR_DECODER: QrDecoderName = 'zxing'
/** Frames are downscaled so that their longer side is at most this before any attempt. */
export const QR_MAX_SIDE = 1280
/** Attempts in order; the first that reads wins. */
export const QR_SCALES: readonly number[] = [1, 0.5, 0.75, 1.5]

interface Rgba {
  data: Uint8ClampedArray
  width: number
  height: number
}

// jsqr is CommonJS with `exports.default = jsQR`; under NodeNext its default import is that exports object.
const jsQR = jsqrModule.default

/**
 * Decodes the first QR code in a camera frame: encoded (JPEG, PNG, WebP) or raw pixels, which are read as they are
 * (no encode and decode in between). Rejects with an ImageError for unusable input.
 */
export async function decodeQr(frame: FrameImage, options: QrDecodeOptions = {}): Promise<QrResult | null> {
  const started = performance.now()
  const decoder = options.decoder ?? DEFAULT_QR_DECODER
  const read = decoder === 'zxing' ? readZxing : readJsqr
  const full = await decodeFrameImage(frame, { channels: 4, maxSide: QR_MAX_SIDE })
  for (const scale of QR_SCALES) {
    const image = scale === 1 ? toRgba(full) : await rescale(full, scale)
    if (!image) continue
    const text = await read(image)
    if (text !== null) return { text, decoder, scale, ms: performance.now() - started }
  }
  return null
}

async function readJsqr(image: Rgba): Promise<string | null> {
  const found = jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' })
  return found && found.data.length > 0 ? found.data : null
}

async function readZxing(image: Rgba): Promise<string | null> {
  await loadZxing()
  const results = await readBarcodes(image as ImageData, {
    formats: ['QRCode'],
    tryHarder: true,
    maxNumberOfSymbols: 1,
  })
  const hit = results.find((r) => r.isValid && r.text.length > 0)
  return hit ? hit.text : null
}

// The wasm module is compiled once per process (it is a pure function library, not a service) and is
// read from the package on disk: zxing-wasm would otherwise fetch it from a CDN.
let zxingReady: Promise<unknown> | null = null

function loadZxing(): Promise<unknown> {
  zxingReady ??= (async () => {
    const path = createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm')
    const bytes = await readFile(path)
    const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    return prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true })
  })().catch((error: unknown) => {
    zxingReady = null
    throw error
  })
  return zxingReady
}

function toRgba(raw: RawImage): Rgba {
  return {
    data: new Uint8ClampedArray(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength),
    width: raw.width,
    height: raw.height,
  }
}

async function rescale(raw: RawImage, scale: number): Promise<Rgba | null> {
  const width = Math.round(raw.width * scale)
  const height = Math.round(raw.height * scale)
  if (width < 32 || height < 32 || width * height > QR_MAX_SIDE * QR_MAX_SIDE * 2.25) return null
  const data = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 4 } })
    .resize(width, height, { fit: 'fill', kernel: scale < 1 ? 'lanczos3' : 'cubic' })
    .raw()
    .toBuffer()
  return toRgba({ data, width, height, channels: 4 })
}
