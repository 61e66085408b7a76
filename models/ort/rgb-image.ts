// Image operations of the onnxruntime path, on plain arrays: RGB, row-major, 3 values a pixel (HWC), 0..255.
// Each one reproduces the tfjs kernel the tfjs path uses (tfjs-backend-cpu's reference code, which the WASM kernels
// follow), with every step rounded to float32 as those kernels compute, so that the networks see the same input.

export interface RgbImage {
  width: number
  height: number
  /** HWC, 3 channels. The decoded frame stays Uint8Array; every derived image is Float32Array. */
  data: Uint8Array | Float32Array
}

const f = Math.fround

/** The integer rectangle [x, x + w) x [y, y + h) of `image`, which the caller has clipped to the image. */
export function cropRgb(image: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  if (x < 0 || y < 0 || x + w > image.width || y + h > image.height) throw new RangeError('crop outside the image')
  const data = new Float32Array(w * h * 3)
  for (let row = 0; row < h; row++) {
    const from = ((y + row) * image.width + x) * 3
    data.set(image.data.subarray(from, from + w * 3), row * w * 3)
  }
  return { width: w, height: h, data }
}

/** Left-right mirror (tf.reverse on the width axis). */
export function flipRgb(image: RgbImage): RgbImage {
  const { width, height } = image
  const data = new Float32Array(width * height * 3)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = image.data[(y * width + (width - 1 - x)) * 3 + c]!
  return { width, height, data }
}

/**
 * face-api's padToSquare(image, isCenterImage = true): zeros on the shorter axis, Math.round(diff / 2) after the
 * image and the rest before it.
 */
export function padToSquare(image: RgbImage): RgbImage {
  const { width, height } = image
  if (width === height) return image
  const side = Math.max(width, height)
  const diff = side - Math.min(width, height)
  const before = diff - Math.round(diff * 0.5)
  const [dx, dy] = height > width ? [before, 0] : [0, before]
  const data = new Float32Array(side * side * 3)
  for (let y = 0; y < height; y++) {
    const row = image.data.subarray(y * width * 3, (y + 1) * width * 3)
    data.set(row, ((y + dy) * side + dx) * 3)
  }
  return { width: side, height: side, data }
}

/** tf.image.resizeBilinear(image, [outHeight, outWidth]) with alignCorners and halfPixelCenters false. */
export function resizeBilinear(image: RgbImage, outWidth: number, outHeight: number): Float32Array {
  const { width, height, data } = image
  const out = new Float32Array(outWidth * outHeight * 3)
  const rowRatio = f(height / outHeight)
  const colRatio = f(width / outWidth)
  const cols = Array.from({ length: outWidth }, (_, c) => {
    const frac = f(colRatio * c)
    const left = Math.max(0, Math.floor(frac))
    return { left: left * 3, right: Math.min(width - 1, Math.ceil(frac)) * 3, lerp: f(frac - left) }
  })
  let at = 0
  for (let r = 0; r < outHeight; r++) {
    const frac = f(rowRatio * r)
    const topRow = Math.max(0, Math.floor(frac))
    const rowLerp = f(frac - topRow)
    const top = topRow * width * 3
    const bottom = Math.min(height - 1, Math.ceil(frac)) * width * 3
    for (const col of cols) {
      for (let c = 0; c < 3; c++) {
        const tl = data[top + col.left + c]!
        const tr = data[top + col.right + c]!
        const bl = data[bottom + col.left + c]!
        const br = data[bottom + col.right + c]!
        const upper = f(tl + f(f(tr - tl) * col.lerp))
        const lower = f(bl + f(f(br - bl) * col.lerp))
        out[at++] = f(upper + f(f(lower - upper) * rowLerp))
      }
    }
  }
  return out
}

/**
 * tf.image.cropAndResize(image, [[y1, x1, y2, x2]], [0], [size, size]), bilinear, extrapolation value 0: the box is
 * in 0..1 of the image (float32, as the tensor holds it) and may reach outside it; those samples are 0.
 */
export function cropAndResize(image: RgbImage, box: readonly number[], size: number): Float32Array {
  const { width, height, data } = image
  const [y1, x1, y2, x2] = box.map(f) as [number, number, number, number]
  const out = new Float32Array(size * size * 3)
  const heightScale = size > 1 ? f(f(f(y2 - y1) * (height - 1)) / (size - 1)) : 0
  const widthScale = size > 1 ? f(f(f(x2 - x1) * (width - 1)) / (size - 1)) : 0
  for (let y = 0; y < size; y++) {
    const yIn = f(f(y1 * (height - 1)) + f(y * heightScale))
    if (yIn < 0 || yIn > height - 1) continue
    const topRow = Math.floor(yIn)
    const yLerp = f(yIn - topRow)
    const top = topRow * width * 3
    const bottom = Math.ceil(yIn) * width * 3
    for (let x = 0; x < size; x++) {
      const xIn = f(f(x1 * (width - 1)) + f(x * widthScale))
      if (xIn < 0 || xIn > width - 1) continue
      const leftCol = Math.floor(xIn)
      const xLerp = f(xIn - leftCol)
      const left = leftCol * 3
      const right = Math.ceil(xIn) * 3
      const at = (y * size + x) * 3
      for (let c = 0; c < 3; c++) {
        const tl = data[top + left + c]!
        const tr = data[top + right + c]!
        const bl = data[bottom + left + c]!
        const br = data[bottom + right + c]!
        const upper = f(tl + f(f(tr - tl) * xLerp))
        const lower = f(bl + f(f(br - bl) * xLerp))
        out[at + c] = f(upper + f(f(lower - upper) * yLerp))
      }
    }
  }
  return out
}
