import t from 'tap'
import { COLOUR_MOMENT_FEATURES, colourMoments } from '../../models/pad/colour-moments.ts'
import { BAND_EDGES, SPECTRUM_FEATURES, powerSpectrum, spectrumFeatures } from '../../models/pad/spectrum.ts'
import { featureLength, padFeatures } from '../../models/pad/pad-features.ts'
import type { PadPixels } from '../../models/pad/face-crop.ts'

const plane = (size: number, f: (x: number, y: number) => number): Float32Array => {
  const p = new Float32Array(size * size)
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) p[y * size + x] = f(x, y)
  return p
}
const highBands = BAND_EDGES.length - 3 // index of the first band above 0.5 Nyquist

t.test('the power spectrum of a cosine peaks at its frequency', (t) => {
  const p = powerSpectrum(
    plane(32, (x) => Math.cos((2 * Math.PI * 4 * x) / 32)),
    32,
  )
  const peak = p.indexOf(Math.max(...p))
  t.ok(peak === 4 || peak === 32 - 4, `peak at column 4 of row 0 (got index ${peak})`)
  t.throws(() => powerSpectrum(new Float32Array(24 * 24), 24), RangeError, 'not a power of two')
  t.end()
})

t.test('a fine vertical grid (a screen) puts its energy high, on the axis, in a sharp peak', (t) => {
  const grid = spectrumFeatures(
    plane(64, (x, y) => 128 + 40 * Math.sin((2 * Math.PI * 26 * x) / 64) + y),
    64,
  )
  t.equal(grid.length, SPECTRUM_FEATURES)
  const smooth = spectrumFeatures(
    plane(64, (x, y) => 128 + 60 * Math.exp(-((x - 32) ** 2 + (y - 30) ** 2) / 300)),
    64,
  )
  const high = (f: Float64Array): number => Math.max(f[highBands]!, f[highBands + 1]!)
  t.ok(high(grid) > -0.5, `grid: most energy in the high bands (log share ${high(grid).toFixed(2)})`)
  t.ok(high(smooth) < -4, `positive twin, a smooth blob: little high-band energy (${high(smooth).toFixed(2)})`)
  const axis = BAND_EDGES.length - 1 + 2
  t.ok(grid[axis]! > -0.1, 'grid: the high band lies on an axis')
  t.ok(grid[axis - 2]! > smooth[axis - 2]!, 'grid: a sharper high-band peak than the blob')
  t.end()
})

t.test('colour moments: spread, skew and highlight share', (t) => {
  const flat = plane(8, () => 100)
  const f = colourMoments(flat, flat, flat, flat, flat)
  t.equal(f.length, COLOUR_MOMENT_FEATURES)
  t.same([...f], new Array(COLOUR_MOMENT_FEATURES).fill(0), 'a flat crop: no spread, no skew, no highlight')
  const spot = plane(8, (x, y) => (x < 2 && y < 2 ? 250 : 100))
  const none = plane(8, () => 0)
  const g = colourMoments(spot, flat, flat, none, spot)
  t.ok(g[0]! > 0, 'a bright spot skews luma upward')
  t.equal(g[COLOUR_MOMENT_FEATURES - 1], 4 / 64, 'four bright unsaturated pixels are highlights')
  const saturated = colourMoments(
    spot,
    flat,
    flat,
    plane(8, () => 200),
    spot,
  )
  t.equal(saturated[COLOUR_MOMENT_FEATURES - 1], 0, 'bright but saturated pixels are not highlights')
  t.end()
})

t.test('padFeatures with spectrum and colour moments appends them after the histograms', (t) => {
  const data = new Uint8Array(100 * 100 * 3)
  for (let i = 0; i < data.length; i++) data[i] = (i * 37) % 251
  const image: PadPixels = { data, width: 100, height: 100, channels: 3 }
  const config = { cropSize: 32, margin: 0, radii: [1], spectrumSizes: [32, 64], colourMoments: true }
  const f = padFeatures(image, [10, 10, 60, 60], config)
  t.equal(f.length, featureLength(config))
  t.equal(f.length, 6 * 59 + 2 * SPECTRUM_FEATURES + COLOUR_MOMENT_FEATURES)
  const plain = padFeatures(image, [10, 10, 60, 60], { cropSize: 32, margin: 0, radii: [1] })
  t.same([...f.slice(0, plain.length)], [...plain], 'the histograms are unchanged')
  t.ok(f.every(Number.isFinite), 'all finite')
  t.end()
})
