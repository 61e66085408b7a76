// Uniform local binary patterns (Ojala, Pietikainen, Maenpaa 2002): each pixel's 8 neighbours at a given
// distance, thresholded at the centre, give an 8-bit code; the 58 codes with at most two 0/1 transitions around
// the circle keep their own bin and all others share one, 59 bins. Print and screen recaptures change the
// micro-texture these histograms count.

export const LBP_BINS = 59

/** Code (0..255) to bin (0..58): uniform codes in increasing order, then the shared non-uniform bin. */
export const UNIFORM_BIN: Uint8Array = (() => {
  const table = new Uint8Array(256)
  let next = 0
  for (let code = 0; code < 256; code++) {
    table[code] = transitions(code) <= 2 ? next++ : LBP_BINS - 1
  }
  return table
})()

/** 0/1 changes between circularly adjacent bits of an 8-bit code. */
export function transitions(code: number): number {
  let count = 0
  for (let bit = 0; bit < 8; bit++) {
    if (((code >> bit) & 1) !== ((code >> ((bit + 1) % 8)) & 1)) count++
  }
  return count
}

// Neighbours clockwise from the left, as (dx, dy) per unit of radius (square sampling).
const OFFSETS: ReadonlyArray<readonly [number, number]> = [
  [-1, 0],
  [-1, -1],
  [0, -1],
  [1, -1],
  [1, 0],
  [1, 1],
  [0, 1],
  [-1, 1],
]

/** The LBP code of one pixel: bit k is set when neighbour k is at least the centre. */
export function lbpCode(plane: Float32Array, size: number, x: number, y: number, radius: number): number {
  const centre = plane[y * size + x]!
  let code = 0
  for (let k = 0; k < 8; k++) {
    const [dx, dy] = OFFSETS[k]!
    if (plane[(y + dy * radius) * size + (x + dx * radius)]! >= centre) code |= 1 << k
  }
  return code
}

/** Normalised (sums to 1) uniform-LBP histogram of a size x size plane, over pixels whose neighbours all exist. */
export function lbpHistogram(plane: Float32Array, size: number, radius: number): Float64Array {
  const hist = new Float64Array(LBP_BINS)
  let total = 0
  for (let y = radius; y < size - radius; y++) {
    for (let x = radius; x < size - radius; x++) {
      hist[UNIFORM_BIN[lbpCode(plane, size, x, y, radius)]!]!++
      total++
    }
  }
  if (total > 0) for (let i = 0; i < LBP_BINS; i++) hist[i]! /= total
  return hist
}
