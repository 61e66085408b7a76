// Frequency-domain features of a grey face crop. A recaptured face (a screen's pixel grid and refresh banding,
// moire between the screen and the camera's sensor, a print's halftone, or the blur of a low-resolution replay)
// moves energy between spatial-frequency bands and concentrates it in sharp peaks and along the axes, which a
// live face's smooth spectrum does not.

/** Radial band edges as a share of the Nyquist frequency (the last band reaches the corners). */
export const BAND_EDGES = [0.04, 0.08, 0.12, 0.18, 0.26, 0.36, 0.5, 0.7, 1.5]
/** Bands, high-band peakiness, mid-band peakiness, axis share, diagonal share. */
export const SPECTRUM_FEATURES = BAND_EDGES.length - 1 + 4

/** In-place radix-2 FFT of one row/column (length a power of two). */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1
    for (; j & bit; bit >>= 1) j ^= bit
    j ^= bit
    if (i < j) {
      ;[re[i], re[j]] = [re[j]!, re[i]!]
      ;[im[i], im[j]] = [im[j]!, im[i]!]
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k)
        const wi = Math.sin(ang * k)
        const a = i + k
        const b = a + len / 2
        const xr = re[b]! * wr - im[b]! * wi
        const xi = re[b]! * wi + im[b]! * wr
        re[b] = re[a]! - xr
        im[b] = im[a]! - xi
        re[a]! += xr
        im[a]! += xi
      }
    }
  }
}

/** Power spectrum of a size x size plane (mean removed, Hann window), row-major, DC at index 0. */
export function powerSpectrum(plane: Float32Array, size: number): Float64Array {
  if (size & (size - 1)) throw new RangeError('spectrum size must be a power of two')
  let mean = 0
  for (let i = 0; i < plane.length; i++) mean += plane[i]!
  mean /= plane.length
  const hann = Float64Array.from({ length: size }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / size))
  const re = new Float64Array(size * size)
  const im = new Float64Array(size * size)
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) re[y * size + x] = (plane[y * size + x]! - mean) * hann[x]! * hann[y]!
  const rr = new Float64Array(size)
  const ri = new Float64Array(size)
  for (let pass = 0; pass < 2; pass++) {
    for (let line = 0; line < size; line++) {
      // Rows on the first pass, columns on the second.
      const at = (k: number): number => (pass === 0 ? line * size + k : k * size + line)
      for (let k = 0; k < size; k++) {
        rr[k] = re[at(k)]!
        ri[k] = im[at(k)]!
      }
      fft(rr, ri)
      for (let k = 0; k < size; k++) {
        re[at(k)] = rr[k]!
        im[at(k)] = ri[k]!
      }
    }
  }
  const power = new Float64Array(size * size)
  for (let i = 0; i < power.length; i++) power[i] = re[i]! ** 2 + im[i]! ** 2
  return power
}

/**
 * Log shares of the energy in radial bands, log peak-to-mean ratios in the high (> 0.36 Nyquist) and middle
 * (0.12..0.36) bands, and the log shares of the high band's energy on the two axes and the two diagonals.
 */
export function spectrumFeatures(plane: Float32Array, size: number): Float64Array {
  const power = powerSpectrum(plane, size)
  const half = size / 2
  const bands = new Float64Array(BAND_EDGES.length - 1)
  let total = 0
  let highMax = 0
  let highSum = 0
  let highN = 0
  let midMax = 0
  let midSum = 0
  let midN = 0
  let axis = 0
  let diagonal = 0
  for (let y = 0; y < size; y++) {
    const fy = y < half ? y : y - size
    for (let x = 0; x < size; x++) {
      const fx = x < half ? x : x - size
      if (fx === 0 && fy === 0) continue
      const p = power[y * size + x]!
      const r = Math.hypot(fx, fy) / half
      total += p
      let b = 0
      while (b < bands.length - 1 && r >= BAND_EDGES[b + 1]!) b++
      if (r >= BAND_EDGES[0]!) bands[b]! += p
      if (r > 0.36) {
        highMax = Math.max(highMax, p)
        highSum += p
        highN++
        if (Math.abs(fx) <= 1 || Math.abs(fy) <= 1) axis += p
        if (Math.abs(Math.abs(fx) - Math.abs(fy)) <= 1) diagonal += p
      } else if (r > 0.12) {
        midMax = Math.max(midMax, p)
        midSum += p
        midN++
      }
    }
  }
  const eps = 1e-12
  const out = new Float64Array(SPECTRUM_FEATURES)
  bands.forEach((e, i) => (out[i] = Math.log10((e + eps) / (total + eps))))
  let k = bands.length
  out[k++] = Math.log10((highMax + eps) / (highSum / Math.max(1, highN) + eps))
  out[k++] = Math.log10((midMax + eps) / (midSum / Math.max(1, midN) + eps))
  out[k++] = Math.log10((axis + eps) / (highSum + eps))
  out[k] = Math.log10((diagonal + eps) / (highSum + eps))
  return out
}
