// Colour statistics of a face crop: a replay's display and a print's inks narrow and skew the face's chroma and
// saturation, and a glossy screen or photo adds specular highlights (bright, unsaturated pixels). Left out: the
// planes' means (the camera's white balance, the synthetic renders' tint) and the luma spread (the scene's
// lighting contrast: with it, a softly lit live probe, fixtures/probe/r02, scored as a replay).

/** Luma skewness; standard deviation (scaled to 0..1) and skewness of Cb, Cr and S; the specular-highlight share. */
export const COLOUR_MOMENT_FEATURES = 1 + 3 * 2 + 1

/** Planes in the order Y, Cb, Cr, S (0..255 each) and V for the highlight share. */
export function colourMoments(
  y: Float32Array,
  cb: Float32Array,
  cr: Float32Array,
  s: Float32Array,
  v: Float32Array,
): Float64Array {
  const out = new Float64Array(COLOUR_MOMENT_FEATURES)
  let k = 0
  for (const plane of [y, cb, cr, s]) {
    const n = plane.length
    let mean = 0
    for (let i = 0; i < n; i++) mean += plane[i]!
    mean /= n
    let m2 = 0
    let m3 = 0
    for (let i = 0; i < n; i++) {
      const d = plane[i]! - mean
      m2 += d * d
      m3 += d * d * d
    }
    const sd = Math.sqrt(m2 / n)
    if (plane !== y) out[k++] = sd / 255
    out[k++] = sd > 1e-6 ? m3 / n / sd ** 3 : 0
  }
  let highlights = 0
  for (let i = 0; i < v.length; i++) if (v[i]! >= 235 && s[i]! <= 40) highlights++
  out[k] = highlights / v.length
  return out
}
