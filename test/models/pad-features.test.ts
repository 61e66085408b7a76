import t from 'tap'
import { rgbToHsv, rgbToYCbCr } from '../../models/pad/colour-spaces.ts'
import { cropFace, type PadPixels } from '../../models/pad/face-crop.ts'
import { LBP_BINS, UNIFORM_BIN, lbpCode, lbpHistogram, transitions } from '../../models/pad/lbp.ts'
import { featureLength, padFeatures } from '../../models/pad/pad-features.ts'

const plane = (size: number, f: (x: number, y: number) => number): Float32Array => {
  const p = new Float32Array(size * size)
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) p[y * size + x] = f(x, y)
  return p
}

t.test('uniform LBP table: 58 uniform codes keep a bin each, the rest share the last', (t) => {
  const uniform = [...Array(256).keys()].filter((c) => transitions(c) <= 2)
  t.equal(uniform.length, 58)
  t.same(
    uniform.map((c) => UNIFORM_BIN[c]),
    [...Array(58).keys()],
  )
  t.equal(transitions(0b00000101), 4)
  t.equal(UNIFORM_BIN[0b00000101], LBP_BINS - 1)
  t.equal(UNIFORM_BIN[0b00000111], 6, 'a uniform code is not in the shared bin')
  t.end()
})

t.test('LBP codes of known patterns', (t) => {
  // Flat: every neighbour equals the centre, all bits set.
  t.equal(
    lbpCode(
      plane(5, () => 7),
      5,
      2,
      2,
      1,
    ),
    255,
  )
  // A bright spot: every neighbour is darker.
  t.equal(
    lbpCode(
      plane(5, (x, y) => (x === 2 && y === 2 ? 9 : 1)),
      5,
      2,
      2,
      1,
    ),
    0,
  )
  // Brightness rising to the right: up, upper-right, right, lower-right and down are >= the centre (bits 2-6).
  const ramp = plane(8, (x) => x)
  t.equal(lbpCode(ramp, 8, 3, 3, 1), 0b01111100)
  t.equal(lbpCode(ramp, 8, 3, 3, 2), 0b01111100, 'the same at radius 2')
  const hist = lbpHistogram(ramp, 8, 1)
  t.equal(hist[UNIFORM_BIN[0b01111100]!], 1, 'all the mass in one bin')
  t.equal(
    hist.reduce((a, b) => a + b, 0),
    1,
  )
  // Checkerboard: a dark centre sees all neighbours >= it (255); a bright one only its equal diagonals (0b10101010,
  // eight transitions: non-uniform). Half the pixels each.
  const checker = lbpHistogram(
    plane(8, (x, y) => (x + y) % 2),
    8,
    1,
  )
  t.ok(Math.abs(checker[LBP_BINS - 1]! - 0.5) < 0.05, 'half non-uniform')
  t.ok(Math.abs(checker[UNIFORM_BIN[255]!]! - 0.5) < 0.05, 'half flat')
  t.end()
})

t.test('colour conversions', (t) => {
  const close = (a: number[], b: number[]): boolean => a.every((v, i) => Math.abs(v - b[i]!) < 0.01)
  t.ok(close(rgbToYCbCr(255, 255, 255), [255, 128, 128]))
  t.ok(close(rgbToYCbCr(0, 0, 0), [0, 128, 128]))
  t.ok(close(rgbToYCbCr(255, 0, 0), [76.245, 84.972, 255.5]))
  t.ok(close(rgbToHsv(255, 0, 0), [0, 255, 255]))
  t.ok(close(rgbToHsv(0, 255, 0), [85, 255, 255]))
  t.ok(close(rgbToHsv(0, 0, 255), [170, 255, 255]))
  t.ok(close(rgbToHsv(100, 100, 100), [0, 0, 100]), 'grey: no hue, no saturation')
  t.notOk(close(rgbToHsv(100, 90, 100), [0, 0, 100]), 'a tinted grey has saturation')
  t.end()
})

/** 100 x 100 RGBA: left half red, right half blue. */
function halves(): PadPixels {
  const data = new Uint8Array(100 * 100 * 4)
  for (let i = 0; i < 100 * 100; i++) {
    const left = i % 100 < 50
    data.set(left ? [255, 0, 0, 255] : [0, 0, 255, 255], i * 4)
  }
  return { data, width: 100, height: 100, channels: 4 }
}

t.test('cropFace takes the box (plus margin) and averages it down', (t) => {
  const left = cropFace(halves(), [10, 10, 30, 30], 8, 0)
  t.ok(left.r.every((v) => v === 255) && left.b.every((v) => v === 0), 'inside the red half: all red')
  const right = cropFace(halves(), [60, 10, 30, 30], 8, 0)
  t.ok(right.b.every((v) => v === 255) && right.r.every((v) => v === 0), 'inside the blue half: all blue')
  const across = cropFace(halves(), [25, 25, 50, 50], 2, 0)
  t.same([...across.r], [255, 0, 255, 0], 'a box across the edge: left red, right blue')
  const clamped = cropFace(halves(), [90, 90, 20, 20], 4, 0.5)
  t.ok(
    clamped.b.every((v) => v === 255),
    'beyond the frame: edge pixels repeat',
  )
  t.throws(() => cropFace(halves(), [0, 0, 0, 10], 4, 0), RangeError)
  t.end()
})

t.test('padFeatures: six planes x radii x 59 bins, each histogram square-rooted', (t) => {
  const config = { cropSize: 16, margin: 0, radii: [1, 2] }
  const f = padFeatures(halves(), [10, 10, 30, 30], config)
  t.equal(f.length, featureLength(config))
  t.equal(f.length, 6 * 2 * 59)
  for (let h = 0; h < 12; h++) {
    const sumSquares = f.slice(h * 59, (h + 1) * 59).reduce((a, v) => a + v * v, 0)
    t.ok(Math.abs(sumSquares - 1) < 1e-9, `histogram ${h} sums to 1`)
  }
  t.end()
})
