// Colour planes for colour-texture features: a recaptured photo's chroma and saturation carry the printer's
// and the second camera's gamut loss, which luminance texture alone misses (Boulkenafet et al., 2015).

/** Full-range BT.601 YCbCr (JPEG's), each plane 0..255. */
export function rgbToYCbCr(r: number, g: number, b: number): [y: number, cb: number, cr: number] {
  const y = 0.299 * r + 0.587 * g + 0.114 * b
  const cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
  const cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
  return [y, cb, cr]
}

/** HSV scaled to 0..255 on every plane (hue: 0..360 degrees mapped to 0..255; grey has hue 0). */
export function rgbToHsv(r: number, g: number, b: number): [h: number, s: number, v: number] {
  const max = Math.max(r, g, b)
  const min = Math.min(r, g, b)
  const d = max - min
  const s = max === 0 ? 0 : (d / max) * 255
  let h = 0
  if (d > 0) {
    if (max === r) h = ((g - b) / d + 6) % 6
    else if (max === g) h = (b - r) / d + 2
    else h = (r - g) / d + 4
  }
  return [(h / 6) * 255, s, max]
}

/** Six planes of a crop, in the order Y, Cb, Cr, H, S, V. */
export function colourPlanes(r: Float32Array, g: Float32Array, b: Float32Array): Float32Array[] {
  const n = r.length
  const planes = Array.from({ length: 6 }, () => new Float32Array(n))
  for (let i = 0; i < n; i++) {
    const ycc = rgbToYCbCr(r[i]!, g[i]!, b[i]!)
    const hsv = rgbToHsv(r[i]!, g[i]!, b[i]!)
    for (let c = 0; c < 3; c++) {
      planes[c]![i] = ycc[c]!
      planes[3 + c]![i] = hsv[c]!
    }
  }
  return planes
}
