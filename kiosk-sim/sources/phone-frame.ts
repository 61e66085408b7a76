// A synthetic camera frame of a phone showing a QR token: the QR on a lit screen inside a dark body,
// held at a seeded angle and tilt (true perspective) over a textured background, then optics and sensor:
// glare, defocus, motion blur, noise and JPEG. Pure: same text, seed and options give the same bytes.
import QRCode from 'qrcode'
import sharp from 'sharp'
import { mulberry32 } from '../../lib/mulberry32.ts'

export type PhoneFrameDifficulty = 'clean' | 'mild' | 'hard'

export interface PhoneFrameOptions {
  seed: number
  difficulty: PhoneFrameDifficulty
  /** Frame size in pixels; default 640x480. */
  width?: number
  height?: number
}

type Range = readonly [min: number, max: number]

interface Profile {
  /** Side of the QR symbol with its quiet zone, in pixels of a frame whose shorter side is 480. */
  qrSidePx: Range
  rollDeg: number
  /** Largest yaw and pitch of the phone plane. */
  tiltDeg: number
  blurSigma: Range
  motionPx: Range
  noiseSigma: Range
  jpegQuality: Range
  screenWhite: Range
  screenBlack: Range
  /** Peak strength (0..1) of a specular highlight over the QR. */
  glare: Range
}

const PROFILES: Record<PhoneFrameDifficulty, Profile> = {
  clean: {
    qrSidePx: [230, 300],
    rollDeg: 6,
    tiltDeg: 6,
    blurSigma: [0.3, 0.6],
    motionPx: [0, 0],
    noiseSigma: [1.5, 3],
    jpegQuality: [85, 92],
    screenWhite: [225, 250],
    screenBlack: [15, 35],
    glare: [0, 0],
  },
  mild: {
    qrSidePx: [200, 270],
    rollDeg: 15,
    tiltDeg: 16,
    blurSigma: [0.6, 1.0],
    motionPx: [0, 2],
    noiseSigma: [3, 7],
    jpegQuality: [65, 80],
    screenWhite: [200, 240],
    screenBlack: [30, 60],
    glare: [0, 0.3],
  },
  hard: {
    qrSidePx: [190, 250],
    rollDeg: 25,
    tiltDeg: 24,
    blurSigma: [0.8, 1.2],
    motionPx: [0, 3],
    noiseSigma: [6, 11],
    jpegQuality: [45, 65],
    screenWhite: [170, 220],
    screenBlack: [40, 80],
    glare: [0.2, 0.55],
  },
}

const QUIET_MODULES = 4
/** Supersampling per axis when warping the phone into the frame. */
const SS = 2

export async function renderPhoneFrame(qrText: string, options: PhoneFrameOptions): Promise<Buffer> {
  const width = options.width ?? 640
  const height = options.height ?? 480
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 64 || height < 64) {
    throw new RangeError(`frame size ${width}x${height} is not a valid size`)
  }
  const p = PROFILES[options.difficulty]
  const rnd = mulberry32(options.seed)
  const pick = (r: Range) => r[0] + (r[1] - r[0]) * rnd()
  const sym = (max: number) => (rnd() * 2 - 1) * max

  const unit = Math.min(width, height) / 480
  const qrSide = pick(p.qrSidePx) * unit
  const qr = QRCode.create(qrText, { errorCorrectionLevel: 'M' })
  const modulesAcross = qr.modules.size + 2 * QUIET_MODULES
  const destModule = qrSide / modulesAcross
  const texModule = Math.max(2, Math.ceil(destModule * SS))
  const white = Math.round(pick(p.screenWhite))
  const black = Math.round(pick(p.screenBlack))
  const phone = drawPhone(qr.modules, texModule, white, black, rnd)

  // Camera: pinhole with ~65 degree horizontal field of view; phone plane rotated by roll, yaw, pitch.
  const f = width / (2 * Math.tan((65 / 2) * (Math.PI / 180)))
  const deg = Math.PI / 180
  const roll = sym(p.rollDeg) * deg
  const yaw = sym(p.tiltDeg) * deg
  const pitch = sym(p.tiltDeg) * deg
  const margin = qrSide * 0.75
  const cx = width / 2 + sym(Math.max(0, width / 2 - margin))
  const cy = height / 2 + sym(Math.max(0, height / 2 - margin))
  // Plane axes after rotation; the plane's origin (the QR centre) sits at depth f, so 1 plane unit ~ 1 pixel.
  const [e1, e2] = rotatedAxes(roll, yaw, pitch)
  const scale = destModule / texModule // plane units per texture pixel
  const forward: Mat3 = [
    f * e1[0] * scale + cx * e1[2] * scale,
    f * e2[0] * scale + cx * e2[2] * scale,
    cx * f,
    f * e1[1] * scale + cy * e1[2] * scale,
    f * e2[1] * scale + cy * e2[2] * scale,
    cy * f,
    e1[2] * scale,
    e2[2] * scale,
    f,
  ]
  // forward maps texture coordinates relative to the QR centre to frame pixels; its inverse, shifted
  // to the texture origin, maps frame pixels to texels.
  const toTex = mul3(translate(phone.qrCenter[0], phone.qrCenter[1]), invert3(forward))

  const frame = drawBackground(width, height, rnd)
  warpOnto(frame, width, height, phone, toTex)

  const glare = pick(p.glare)
  if (glare > 0)
    addGlare(frame, width, height, cx + sym(qrSide / 3), cy + sym(qrSide / 3), qrSide * (0.25 + 0.3 * rnd()), glare)

  const sigma = pick(p.blurSigma)
  const motion = pick(p.motionPx)
  const motionAngle = rnd() * Math.PI
  let img = sharp(frame, { raw: { width, height, channels: 3 } })
  if (motion >= 1) img = img.convolve(motionKernel(motion, motionAngle))
  if (sigma >= 0.3) img = img.blur(sigma)
  const blurred = await img.raw().toBuffer()
  addNoise(blurred, pick(p.noiseSigma), rnd)
  return sharp(blurred, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: Math.round(pick(p.jpegQuality)) })
    .toBuffer()
}

interface Texture {
  data: Uint8ClampedArray // RGBA
  width: number
  height: number
  qrCenter: [number, number]
}

/** The phone, face on: dark body, rounded corners, lit screen with a status bar, the QR and a caption bar. */
function drawPhone(modules: QRCode.BitMatrix, px: number, white: number, black: number, rnd: () => number): Texture {
  const symbol = (modules.size + 2 * QUIET_MODULES) * px
  const screenW = Math.round(symbol * 1.2)
  const screenH = Math.round(screenW * 1.9)
  const bezel = Math.round(screenW * 0.05)
  const w = screenW + 2 * bezel
  const h = screenH + 2 * bezel
  const radius = bezel * 3
  const data = new Uint8ClampedArray(w * h * 4)
  const bodyTone = 15 + Math.round(rnd() * 35)
  const tint = Math.round((rnd() - 0.5) * 12) // slight colour cast of the screen
  const qrX0 = bezel + Math.round((screenW - symbol) / 2)
  const qrY0 = bezel + Math.round(screenH * 0.3)
  const statusH = Math.round(screenH * 0.04)
  const captionY = qrY0 + symbol + Math.round(px * 3)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4
      const dx = Math.max(radius - x, x - (w - 1 - radius), 0)
      const dy = Math.max(radius - y, y - (h - 1 - radius), 0)
      if (dx * dx + dy * dy > radius * radius) continue // outside the rounded body: transparent
      let v = bodyTone
      let cast = 0
      const sx = x - bezel
      const sy = y - bezel
      if (sx >= 0 && sy >= 0 && sx < screenW && sy < screenH) {
        v = white
        cast = tint
        if (sy < statusH) v = white - 40
        const qx = Math.floor((x - qrX0) / px) - QUIET_MODULES
        const qy = Math.floor((y - qrY0) / px) - QUIET_MODULES
        if (qx >= 0 && qy >= 0 && qx < modules.size && qy < modules.size && modules.get(qy, qx)) v = black
        const inCaption =
          sy >= captionY - bezel && sy < captionY - bezel + px * 2 && Math.abs(x - w / 2) < symbol * 0.35
        if (inCaption) v = Math.round((white + black) / 2)
      }
      data[i] = v + cast
      data[i + 1] = v
      data[i + 2] = v - cast
      data[i + 3] = 255
    }
  }
  return { data, width: w, height: h, qrCenter: [qrX0 + symbol / 2, qrY0 + symbol / 2] }
}

/** Out-of-focus scenery: smooth colour fields, a mid-frequency texture and a few hard-edged shapes. */
function drawBackground(width: number, height: number, rnd: () => number): Buffer {
  const coarse = randomGrid(6, 5, 3, rnd)
  const fine = randomGrid(48, 36, 1, rnd)
  const base = [70 + rnd() * 120, 70 + rnd() * 120, 70 + rnd() * 120]
  const out = Buffer.alloc(width * height * 3)
  const shapes = Array.from({ length: 3 + Math.floor(rnd() * 4) }, () => ({
    x0: rnd() * width,
    y0: rnd() * height,
    w: (0.1 + rnd() * 0.4) * width,
    h: (0.05 + rnd() * 0.3) * height,
    tone: 40 + rnd() * 180,
  }))
  const c = [0, 0, 0]
  const t = [0]
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      sampleGrid(coarse, (x / width) * (coarse.w - 1), (y / height) * (coarse.h - 1), c)
      sampleGrid(fine, (x / width) * (fine.w - 1), (y / height) * (fine.h - 1), t)
      let shade = -1
      for (const s of shapes) if (x >= s.x0 && x < s.x0 + s.w && y >= s.y0 && y < s.y0 + s.h) shade = s.tone
      for (let k = 0; k < 3; k++) {
        let v = base[k]! + (c[k]! - 0.5) * 90 + (t[0]! - 0.5) * 30
        if (shade >= 0) v = 0.4 * v + 0.6 * shade
        out[(y * width + x) * 3 + k] = clamp(v)
      }
    }
  }
  return out
}

/** Projects the phone texture into the frame (inverse mapping, SS x SS bilinear samples per pixel). */
function warpOnto(frame: Buffer, width: number, height: number, tex: Texture, toTex: Mat3): void {
  const { data, width: tw, height: th } = tex
  const acc = [0, 0, 0, 0]
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      acc[0] = acc[1] = acc[2] = acc[3] = 0
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const px = x + (sx + 0.5) / SS
          const py = y + (sy + 0.5) / SS
          const wq = toTex[6] * px + toTex[7] * py + toTex[8]
          const u = (toTex[0] * px + toTex[1] * py + toTex[2]) / wq - 0.5
          const v = (toTex[3] * px + toTex[4] * py + toTex[5]) / wq - 0.5
          if (wq <= 0 || u < 0 || v < 0 || u >= tw - 1 || v >= th - 1) continue
          const u0 = Math.floor(u)
          const v0 = Math.floor(v)
          const fu = u - u0
          const fv = v - v0
          const i00 = (v0 * tw + u0) * 4
          const i10 = i00 + 4
          const i01 = i00 + tw * 4
          const i11 = i01 + 4
          const w00 = (1 - fu) * (1 - fv),
            w10 = fu * (1 - fv),
            w01 = (1 - fu) * fv,
            w11 = fu * fv
          for (let k = 0; k < 4; k++) {
            acc[k]! += data[i00 + k]! * w00 + data[i10 + k]! * w10 + data[i01 + k]! * w01 + data[i11 + k]! * w11
          }
        }
      }
      const alpha = acc[3]! / (255 * SS * SS)
      if (alpha <= 0) continue
      const o = (y * width + x) * 3
      // Texture colours are alpha-premultiplied by the accumulation (transparent texels are zero).
      for (let k = 0; k < 3; k++) frame[o + k] = clamp(acc[k]! / (SS * SS) + frame[o + k]! * (1 - alpha))
    }
  }
}

function addGlare(
  frame: Buffer,
  width: number,
  height: number,
  gx: number,
  gy: number,
  radius: number,
  strength: number,
): void {
  const r2 = 2 * radius * radius
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = strength * Math.exp(-((x - gx) ** 2 + ((y - gy) * 1.6) ** 2) / r2)
      if (g < 0.004) continue
      const o = (y * width + x) * 3
      for (let k = 0; k < 3; k++) frame[o + k] = clamp(frame[o + k]! + (255 - frame[o + k]!) * g)
    }
  }
}

/** Sensor noise: mostly luminance, a little chroma. */
function addNoise(raw: Buffer, sigma: number, rnd: () => number): void {
  for (let i = 0; i < raw.length; i += 3) {
    const luma = gaussian(rnd) * sigma
    const chroma = gaussian(rnd) * sigma * 0.3
    raw[i] = clamp(raw[i]! + luma + chroma)
    raw[i + 1] = clamp(raw[i + 1]! + luma)
    raw[i + 2] = clamp(raw[i + 2]! + luma - chroma)
  }
}

function motionKernel(length: number, angle: number): { width: number; height: number; kernel: number[] } {
  const size = 2 * Math.ceil(length / 2) + 1
  const kernel = new Array<number>(size * size).fill(0)
  const c = (size - 1) / 2
  const steps = size * 4
  for (let s = 0; s <= steps; s++) {
    const t = (s / steps - 0.5) * length
    const x = Math.round(c + t * Math.cos(angle))
    const y = Math.round(c + t * Math.sin(angle))
    kernel[y * size + x]! += 1
  }
  return { width: size, height: size, kernel }
}

interface Grid {
  w: number
  h: number
  ch: number
  v: Float64Array
}

function randomGrid(w: number, h: number, ch: number, rnd: () => number): Grid {
  return { w, h, ch, v: Float64Array.from({ length: w * h * ch }, () => rnd()) }
}

/** Smooth interpolation of a random grid at (x, y) in grid units, written into `out`. */
function sampleGrid(g: Grid, x: number, y: number, out: number[]): void {
  const x0 = Math.min(Math.floor(x), g.w - 2)
  const y0 = Math.min(Math.floor(y), g.h - 2)
  const fx = smooth(x - x0)
  const fy = smooth(y - y0)
  const i00 = (y0 * g.w + x0) * g.ch
  const i01 = i00 + g.w * g.ch
  for (let k = 0; k < g.ch; k++) {
    const top = g.v[i00 + k]! * (1 - fx) + g.v[i00 + g.ch + k]! * fx
    const bottom = g.v[i01 + k]! * (1 - fx) + g.v[i01 + g.ch + k]! * fx
    out[k] = top * (1 - fy) + bottom * fy
  }
}

type Vec3 = [number, number, number]
type Mat3 = [number, number, number, number, number, number, number, number, number]

/** The phone plane's x and y axes in camera space after pitch (x), yaw (y) and roll (z). */
function rotatedAxes(roll: number, yaw: number, pitch: number): [Vec3, Vec3] {
  const [cr, sr, cyw, syw, cp, sp] = [
    Math.cos(roll),
    Math.sin(roll),
    Math.cos(yaw),
    Math.sin(yaw),
    Math.cos(pitch),
    Math.sin(pitch),
  ]
  // R = Rz(roll) * Ry(yaw) * Rx(pitch); columns 0 and 1.
  const e1: Vec3 = [cr * cyw, sr * cyw, -syw]
  const e2: Vec3 = [cr * syw * sp - sr * cp, sr * syw * sp + cr * cp, cyw * sp]
  return [e1, e2]
}

function translate(tx: number, ty: number): Mat3 {
  return [1, 0, tx, 0, 1, ty, 0, 0, 1]
}

function mul3(a: Mat3, b: Mat3): Mat3 {
  const r: number[] = []
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) r.push(a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!)
  }
  return r as Mat3
}

function invert3(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g
  const det = a * A + b * B + c * C
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ]
}

function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd())
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t)
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v)
}
