// A synthetic camera clip of one passenger at the gate: an empty scene, then the phone showing the QR token,
// then the passenger's face (optionally joined by a second person). Frames are RGB24; the same spec and seed
// give the same bytes. Used as a video file for `kiosk-sim run --video` and as a y4m fake camera for Chromium.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { mulberry32 } from '../../lib/mulberry32.ts'
import { encodeRawVideo, type EncodeOptions } from './ffmpeg-encode.ts'
import { FrameSourceError } from './frame-source-errors.ts'
import { renderPhoneFrame, type PhoneFrameDifficulty } from './phone-frame.ts'
import { rgbToI420, Y4M_FRAME_MARKER, y4mHeader } from './y4m.ts'

export interface PassengerClipSpec {
  qrText: string
  /** JPEG or PNG of the passenger; fitted into the frame for the face step. */
  facePhoto: Buffer
  seed: number
  width?: number
  height?: number
  fps?: number
  /** Empty scene before the passenger arrives. */
  idleSeconds?: number
  /** Frames of the phone showing the QR (renderPhoneFrame, then slight hand shake). */
  qrSeconds?: number
  /** Frames of the face photo, with slight seeded jitter of position, scale and exposure. */
  faceSeconds?: number
  /** A second person who steps in on the second frame of the face step (to test MULTIPLE_FACES). */
  secondFacePhoto?: Buffer
  /** How hard the phone frames are to read; default clean. */
  qrDifficulty?: PhoneFrameDifficulty
  /**
   * The person holding the phone, seen beside it during the QR step (left half: this person; right half: the
   * phone). The gate compares this face with the face it captures: another face there is FACE_CHANGED.
   */
  holderPhoto?: Buffer
  /**
   * A head turn (head-turn.ts renders them from facePhoto): from face frame `turnFrom` on, these photos in turn, the
   * last one held. So that a clip of a still photo can answer the liveness challenge.
   */
  turnPhotos?: Buffer[]
  turnFrom?: number
}

export interface ClipLayout {
  width: number
  height: number
  fps: number
  idleFrames: number
  qrFrames: number
  faceFrames: number
  /** Index (within the face frames) of the first frame that shows the second person, or null. */
  secondFaceFrom: number | null
}

const DEFAULTS = { width: 640, height: 480, fps: 10, idleSeconds: 0.5, qrSeconds: 1.5, faceSeconds: 2.5 }
/**
 * The second person steps in on this face frame: right after the passenger, before a gate that fuses a few
 * frames (three at 10 fps is 0.3 s) has decided.
 */
const SECOND_FACE_FRAME = 1

/** Frame counts and size of a spec, validated (even size for I420, whole frames per step). */
export function clipLayout(spec: PassengerClipSpec): ClipLayout {
  const width = spec.width ?? DEFAULTS.width
  const height = spec.height ?? DEFAULTS.height
  const fps = spec.fps ?? DEFAULTS.fps
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 64 || height < 64 || width % 2 || height % 2) {
    throw new FrameSourceError('SOURCE_OPTIONS_INVALID', `clip size ${width}x${height} must be even and at least 64x64`)
  }
  if (!(fps > 0 && fps <= 120))
    throw new FrameSourceError('SOURCE_OPTIONS_INVALID', `clip fps ${fps} must be in (0, 120]`)
  const frames = (seconds: number, name: string) => {
    if (!(seconds >= 0 && seconds <= 600))
      throw new FrameSourceError('SOURCE_OPTIONS_INVALID', `${name} ${seconds} must be in [0, 600]`)
    return Math.round(seconds * fps)
  }
  const faceFrames = frames(spec.faceSeconds ?? DEFAULTS.faceSeconds, 'faceSeconds')
  return {
    width,
    height,
    fps,
    idleFrames: frames(spec.idleSeconds ?? DEFAULTS.idleSeconds, 'idleSeconds'),
    qrFrames: frames(spec.qrSeconds ?? DEFAULTS.qrSeconds, 'qrSeconds'),
    faceFrames,
    secondFaceFrom: spec.secondFacePhoto ? Math.min(SECOND_FACE_FRAME, Math.max(0, faceFrames - 1)) : null,
  }
}

/** The clip's frames, one RGB24 buffer of width*height*3 bytes each, made lazily (a slow consumer holds them back). */
export async function* passengerClipFrames(spec: PassengerClipSpec): AsyncIterable<Buffer> {
  const layout = clipLayout(spec)
  const { width, height } = layout
  const rnd = mulberry32(spec.seed)
  const scene = drawScene(width, height, rnd)

  for (let i = 0; i < layout.idleFrames; i++) yield withNoise(scene, 2, rnd)

  if (layout.qrFrames > 0) {
    const phone = await phoneView(spec, scene, width, height)
    for (let i = 0; i < layout.qrFrames; i++) {
      // Hand shake: a pixel or two each way.
      yield withNoise(
        shifted(phone, width, height, Math.round((rnd() - 0.5) * 4), Math.round((rnd() - 0.5) * 4)),
        1.5,
        rnd,
      )
    }
  }

  for (let i = 0; i < layout.faceFrames; i++) {
    const jitter = {
      scale: 0.96 + 0.04 * rnd(),
      dx: (rnd() - 0.5) * 12,
      dy: (rnd() - 0.5) * 8,
      gain: 0.96 + 0.08 * rnd(),
    }
    const turn = spec.turnPhotos?.length && i >= (spec.turnFrom ?? 0) ? i - (spec.turnFrom ?? 0) : null
    const photo = turn === null ? spec.facePhoto : spec.turnPhotos![Math.min(turn, spec.turnPhotos!.length - 1)]!
    const main = await fitted(photo, scene, width, height, jitter)
    let frame = main
    if (layout.secondFaceFrom !== null && i >= layout.secondFaceFrom) {
      const second = await fitted(spec.secondFacePhoto!, scene, width, height, { ...jitter, dx: -jitter.dx })
      frame = sideBySide(main, second, width, height)
    }
    yield withNoise(frame, 2, rnd)
  }
}

/** The clip as YUV4MPEG2 (C420jpeg), written in pure JS: no ffmpeg needed. */
export async function writeY4m(spec: PassengerClipSpec, filePath: string): Promise<void> {
  const layout = clipLayout(spec)
  await mkdir(path.dirname(path.resolve(filePath)), { recursive: true })
  const out = createWriteStream(filePath)
  const failed = once(out, 'error').then(([error]) => Promise.reject(error as Error))
  failed.catch(() => undefined)
  const write = async (chunk: Buffer) => {
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed])
  }
  try {
    await write(y4mHeader(layout))
    for await (const rgb of passengerClipFrames(spec)) {
      await write(Y4M_FRAME_MARKER)
      await write(rgbToI420(rgb, layout.width, layout.height))
    }
  } finally {
    out.end()
  }
  await Promise.race([once(out, 'finish'), failed])
}

/**
 * The clip encoded by ffmpeg; the container comes from the extension (.mp4, .mkv, .mov, .avi; .y4m is written
 * directly).
 */
export async function writeVideo(
  spec: PassengerClipSpec,
  filePath: string,
  options: EncodeOptions = {},
): Promise<void> {
  if (path.extname(filePath).toLowerCase() === '.y4m') return writeY4m(spec, filePath)
  const layout = clipLayout(spec)
  await mkdir(path.dirname(path.resolve(filePath)), { recursive: true })
  await encodeRawVideo(passengerClipFrames(spec), layout, filePath, options)
}

/** The phone filling the frame, or, with a holder, the holder on the left and the phone in the right half. */
async function phoneView(spec: PassengerClipSpec, scene: Buffer, width: number, height: number): Promise<Buffer> {
  const difficulty = spec.qrDifficulty ?? 'clean'
  if (!spec.holderPhoto) {
    return sharp(await renderPhoneFrame(spec.qrText, { seed: spec.seed, difficulty, width, height }))
      .removeAlpha()
      .raw()
      .toBuffer()
  }
  const half = width / 2
  const phone = await sharp(await renderPhoneFrame(spec.qrText, { seed: spec.seed, difficulty, width: half, height }))
    .removeAlpha()
    .raw()
    .toBuffer()
  const holder = await fitted(spec.holderPhoto, scene, width, height, { scale: 1, dx: 0, dy: 0, gain: 1 })
  const out = Buffer.alloc(width * height * 3)
  const from = Math.floor(width / 4)
  for (let y = 0; y < height; y++) {
    holder.copy(out, y * width * 3, (y * width + from) * 3, (y * width + from + half) * 3)
    phone.copy(out, (y * width + half) * 3, y * half * 3, (y + 1) * half * 3)
  }
  return out
}

/** A calm, out-of-focus backdrop: a vertical gradient with a few soft bands, seeded. */
function drawScene(width: number, height: number, rnd: () => number): Buffer {
  const top = [90 + rnd() * 80, 90 + rnd() * 80, 90 + rnd() * 80]
  const bottom = [40 + rnd() * 60, 40 + rnd() * 60, 40 + rnd() * 60]
  const bands = Array.from({ length: 3 }, () => ({
    x: rnd() * width,
    w: (0.05 + rnd() * 0.15) * width,
    tone: 0.8 + rnd() * 0.4,
  }))
  const out = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    const t = y / (height - 1)
    for (let x = 0; x < width; x++) {
      let shade = 1
      for (const b of bands) shade *= 1 + (b.tone - 1) * Math.exp(-(((x - b.x) / b.w) ** 2))
      for (let k = 0; k < 3; k++) out[(y * width + x) * 3 + k] = clampByte((top[k]! * (1 - t) + bottom[k]! * t) * shade)
    }
  }
  return out
}

interface Jitter {
  scale: number
  dx: number
  dy: number
  gain: number
}

/** The photo scaled to fit the frame (as a person filling the camera's view), placed with jitter over the scene. */
async function fitted(photo: Buffer, scene: Buffer, width: number, height: number, j: Jitter): Promise<Buffer> {
  const meta = await sharp(photo).metadata()
  if (!meta.width || !meta.height) throw new FrameSourceError('SOURCE_OPTIONS_INVALID', 'face photo has no dimensions')
  const fit = Math.min(width / meta.width, height / meta.height) * j.scale
  const w = Math.max(1, Math.round(meta.width * fit))
  const h = Math.max(1, Math.round(meta.height * fit))
  const pixels = await sharp(photo)
    .autoOrient()
    .removeAlpha()
    .resize(w, h, { fit: 'fill' })
    .linear(j.gain, 0)
    .raw()
    .toBuffer()
  const out = Buffer.from(scene)
  const x0 = Math.round((width - w) / 2 + j.dx)
  const y0 = Math.round((height - h) / 2 + j.dy)
  for (let y = 0; y < h; y++) {
    const fy = y0 + y
    if (fy < 0 || fy >= height) continue
    for (let x = 0; x < w; x++) {
      const fx = x0 + x
      if (fx < 0 || fx >= width) continue
      pixels.copy(out, (fy * width + fx) * 3, (y * w + x) * 3, (y * w + x) * 3 + 3)
    }
  }
  return out
}

/** Two people side by side: the centre half of each one's frame, as fixtures/probe/two-faces.jpg is made. */
function sideBySide(left: Buffer, right: Buffer, width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height * 3)
  const half = Math.floor(width / 2)
  const from = Math.floor(width / 4)
  for (let y = 0; y < height; y++) {
    const row = y * width * 3
    left.copy(out, row, row + from * 3, row + (from + half) * 3)
    right.copy(out, row + half * 3, row + from * 3, row + (from + width - half) * 3)
  }
  return out
}

/** The frame moved by (dx, dy), edges repeated. */
function shifted(frame: Buffer, width: number, height: number, dx: number, dy: number): Buffer {
  if (dx === 0 && dy === 0) return Buffer.from(frame)
  const out = Buffer.alloc(frame.length)
  for (let y = 0; y < height; y++) {
    const sy = Math.min(height - 1, Math.max(0, y - dy))
    for (let x = 0; x < width; x++) {
      const sx = Math.min(width - 1, Math.max(0, x - dx))
      frame.copy(out, (y * width + x) * 3, (sy * width + sx) * 3, (sy * width + sx) * 3 + 3)
    }
  }
  return out
}

/** Sensor noise, so that no two frames are byte-identical (as with a real camera). */
function withNoise(frame: Buffer, amplitude: number, rnd: () => number): Buffer {
  const out = Buffer.allocUnsafe(frame.length)
  for (let i = 0; i < frame.length; i++) out[i] = clampByte(frame[i]! + (rnd() - 0.5) * 2 * amplitude)
  return out
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v)
}
