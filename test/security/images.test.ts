// Hostile and odd images through decodeImage, the one decoder the server (enrolment) and the kiosk (QR, faces) share.
// Every rejection has a twin that is accepted, so that a decoder refusing everything cannot pass.
import { randomBytes } from 'node:crypto'
import { createDeflate, deflateSync } from 'node:zlib'
import sharp from 'sharp'
import t from 'tap'
import { decodeImage, MAX_INPUT_PIXELS, type RawImage } from '../../models/image-decode.ts'
import { ImageError } from '../../models/image-errors.ts'

// --- PNG by hand: the only way to write a header that lies -------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes: Buffer): number {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const COLOR = { grey: 0, rgb: 2, palette: 3, greyAlpha: 4, rgba: 6 } as const

/** A PNG with this IHDR and this (already compressed) IDAT stream; nothing checks that they agree. */
function pngWith(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  idat: Buffer,
  extra: Buffer[] = [],
): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = bitDepth
  ihdr[9] = colorType
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    ...extra,
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/** An honest PNG from unfiltered rows. */
function png(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  rows: Buffer[],
  extra: Buffer[] = [],
): Buffer {
  const scanlines = Buffer.concat(rows.flatMap((row) => [Buffer.from([0]), row]))
  return pngWith(width, height, bitDepth, colorType, deflateSync(scanlines), extra)
}

/** zlib stream of `n` zero bytes, produced without ever holding them: ~1 KB per MB at level 9. */
async function deflatedZeros(n: number): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 })
  const out: Buffer[] = []
  deflate.on('data', (chunk: Buffer) => out.push(chunk))
  const block = Buffer.alloc(1 << 20)
  for (let sent = 0; sent < n; sent += block.length) {
    if (!deflate.write(block.subarray(0, Math.min(block.length, n - sent))))
      await new Promise((resolve) => deflate.once('drain', resolve))
  }
  const ended = new Promise((resolve) => deflate.once('end', resolve))
  deflate.end()
  await ended
  return Buffer.concat(out)
}

function u16(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2)
  values.forEach((v, i) => b.writeUInt16BE(v, i * 2))
  return b
}

const peakRssMb = () => process.resourceUsage().maxRSS / 1024
const pixel = (img: RawImage, x: number, y: number) => [
  ...img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x + 1) * img.channels),
]

async function solid(format: 'jpeg' | 'png' | 'webp', size = 32): Promise<Buffer> {
  const image = sharp({ create: { width: size, height: size, channels: 3, background: { r: 200, g: 60, b: 30 } } })
  return image[format]().toBuffer()
}

// Runs first, so that the peak RSS it measures is not an earlier test's.
t.test(
  'pixel bomb: a small PNG that claims 50000 x 50000 is refused before any decode, in bounded memory',
  async (t) => {
    t.ok(MAX_INPUT_PIXELS <= 50_000_000, `the pixel cap (${MAX_INPUT_PIXELS}) is far below sharp's default of 268 MP`)
    // 256 MB of zero rows, ~260 KB compressed: what a decoder would inflate if it trusted the header.
    const zeros = await deflatedZeros(256 * 1024 * 1024)
    const bomb = pngWith(50_000, 50_000, 8, COLOR.grey, zeros)
    t.ok(bomb.length < 400 * 1024, `the bomb is ${Math.round(bomb.length / 1024)} KB`)
    t.equal(
      (await sharp(bomb, { limitInputPixels: false }).metadata()).width,
      50_000,
      'its header really says 50000 wide',
    )

    const before = peakRssMb()
    const started = performance.now()
    for (let i = 0; i < 5; i++) {
      await t.rejects(decodeImage(bomb, { channels: 3, maxSide: 640 }), { name: 'ImageError', code: 'IMAGE_TOO_LARGE' })
      await t.rejects(decodeImage(bomb, { channels: 4 }), { code: 'IMAGE_TOO_LARGE' })
    }
    const grewMb = peakRssMb() - before
    t.ok(grewMb < 100, `peak RSS grew by ${grewMb.toFixed(1)} MB`)
    t.ok(performance.now() - started < 2000, 'refused from the header alone, not after inflating')

    // Twin: the same construction with an honest header (4000 x 4000 zero rows) decodes.
    const honest = pngWith(4000, 4000, 8, COLOR.grey, await deflatedZeros(4000 * 4001))
    const decoded = await decodeImage(honest, { channels: 3, maxSide: 500 })
    t.same([decoded.width, decoded.height, decoded.channels], [500, 500, 3])
    t.same(pixel(decoded, 250, 250), [0, 0, 0])
  },
)

t.test('a header just over the cap, or one absurdly long side, is IMAGE_TOO_LARGE; one under it decodes', async (t) => {
  const rows = (w: number, h: number) => Array.from({ length: h }, () => Buffer.alloc(w))
  const overArea = pngWith(6000, Math.floor(MAX_INPUT_PIXELS / 6000) + 1, 8, COLOR.grey, deflateSync(Buffer.alloc(100)))
  await t.rejects(decodeImage(overArea, { channels: 3 }), { code: 'IMAGE_TOO_LARGE' })
  const strip = pngWith(1_000_000, 1, 8, COLOR.grey, deflateSync(Buffer.alloc(1_000_001)))
  await t.rejects(
    decodeImage(strip, { channels: 3 }),
    { code: 'IMAGE_TOO_LARGE' },
    'a 1000000 x 1 strip is under the area cap but refused',
  )
  const under = png(2000, 1000, 8, COLOR.grey, rows(2000, 1000))
  t.same((await decodeImage(under, { channels: 3, maxSide: 100 })).width, 100)
})

t.test('a JPEG whose SOF claims 60000 x 60000 is IMAGE_TOO_LARGE; the unpatched JPEG decodes', async (t) => {
  const jpeg = await solid('jpeg', 16)
  const patched = Buffer.from(jpeg)
  const sof = patched.findIndex((b, i) => b === 0xff && (patched[i + 1] === 0xc0 || patched[i + 1] === 0xc2))
  t.ok(sof > 0, 'found the SOF marker')
  patched.writeUInt16BE(60_000, sof + 5)
  patched.writeUInt16BE(60_000, sof + 7)
  await t.rejects(decodeImage(patched, { channels: 3 }), { code: 'IMAGE_TOO_LARGE' })
  t.equal((await decodeImage(jpeg, { channels: 3 })).width, 16)
})

t.test('a header that understates the data: only the declared pixels are ever decoded', async (t) => {
  // IHDR says 1000 x 1000, the IDAT stream inflates to 256 MB. Memory follows the (checked) header.
  const lying = pngWith(1000, 1000, 8, COLOR.grey, await deflatedZeros(256 * 1024 * 1024))
  const before = peakRssMb()
  const started = performance.now()
  const decoded = await decodeImage(lying, { channels: 3 })
  t.same([decoded.width, decoded.height, decoded.data.length], [1000, 1000, 3_000_000], 'exactly the declared size')
  t.ok(peakRssMb() - before < 100, 'bounded memory')
  t.ok(performance.now() - started < 3000, 'the rest of the stream is not inflated')
  // A compressed text chunk that inflates to 200 MB is not inflated either.
  const ztxt = pngChunk(
    'zTXt',
    Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), await deflatedZeros(200 * 1024 * 1024)]),
  )
  const withText = png(
    10,
    10,
    8,
    COLOR.grey,
    Array.from({ length: 10 }, () => Buffer.alloc(10, 77)),
    [ztxt],
  )
  const beforeText = peakRssMb()
  t.same(pixel(await decodeImage(withText, { channels: 3 }), 5, 5), [77, 77, 77])
  t.ok(peakRssMb() - beforeText < 100, 'text bomb: bounded memory')
})

// --- EXIF orientation ----------------------------------------------------------------------------------------

/** What a viewer shows for stored pixels tagged with EXIF orientation n (TIFF 6.0 / EXIF 2.3 semantics). */
function orient(src: Buffer, w: number, h: number, n: number): { data: Buffer; width: number; height: number } {
  const swap = n >= 5
  const width = swap ? h : w
  const height = swap ? w : h
  const data = Buffer.alloc(src.length)
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      // Source row and column shown at display (r, c).
      const [sr, sc] = (
        {
          1: [r, c],
          2: [r, w - 1 - c],
          3: [h - 1 - r, w - 1 - c],
          4: [h - 1 - r, c],
          5: [c, r],
          6: [h - 1 - c, r],
          7: [h - 1 - c, w - 1 - r],
          8: [c, w - 1 - r],
        } as Record<number, [number, number]>
      )[n]!
      src.copy(data, (r * width + c) * 3, (sr * w + sc) * 3, (sr * w + sc) * 3 + 3)
    }
  }
  return { data, width, height }
}

t.test('every EXIF orientation 1..8 comes out upright (PNG, exact pixels)', async (t) => {
  const w = 5
  const h = 3
  const stored = Buffer.alloc(w * h * 3)
  for (let i = 0; i < w * h; i++) stored.set([i * 17, 255 - i * 13, (i * 71) % 256], i * 3)
  for (let n = 1; n <= 8; n++) {
    const encoded = await sharp(stored, { raw: { width: w, height: h, channels: 3 } })
      .withMetadata({ orientation: n })
      .png()
      .toBuffer()
    t.equal((await sharp(encoded).metadata()).orientation, n, `orientation ${n} is written`)
    const expected = orient(stored, w, h, n)
    const decoded = await decodeImage(encoded, { channels: 3 })
    t.same([decoded.width, decoded.height], [expected.width, expected.height], `orientation ${n}: size`)
    t.ok(decoded.data.equals(expected.data), `orientation ${n}: pixels`)
  }
})

t.test('every EXIF orientation 1..8 comes out upright (JPEG, as a phone writes it)', async (t) => {
  // 3 x 2 blocks of distinct colours, 16 px each: JPEG blurs edges, block centres stay put.
  const colours = [
    [230, 30, 30],
    [30, 200, 30],
    [30, 30, 230],
    [240, 240, 30],
    [30, 220, 220],
    [200, 30, 200],
  ]
  const block = 16
  const w = 3 * block
  const h = 2 * block
  const stored = Buffer.alloc(w * h * 3)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) stored.set(colours[Math.floor(y / block) * 3 + Math.floor(x / block)]!, (y * w + x) * 3)
  for (let n = 1; n <= 8; n++) {
    const encoded = await sharp(stored, { raw: { width: w, height: h, channels: 3 } })
      .withMetadata({ orientation: n })
      .jpeg({ quality: 95 })
      .toBuffer()
    const expected = orient(stored, w, h, n)
    const decoded = await decodeImage(encoded, { channels: 3 })
    t.same([decoded.width, decoded.height], [expected.width, expected.height], `orientation ${n}: size`)
    let worst = 0
    for (let y = block / 2; y < expected.height; y += block) {
      for (let x = block / 2; x < expected.width; x += block) {
        const want = [...expected.data.subarray((y * expected.width + x) * 3, (y * expected.width + x) * 3 + 3)]
        pixel(decoded, x, y).forEach((v, k) => (worst = Math.max(worst, Math.abs(v - want[k]!))))
      }
    }
    t.ok(worst <= 12, `orientation ${n}: every block where it belongs (worst channel difference ${worst})`)
  }
})

// --- Colour spaces and bit depths: all become 8-bit sRGB -----------------------------------------------------

t.test('CMYK JPEG is converted to sRGB, with colours close to the original', async (t) => {
  const colours = [
    [200, 40, 90],
    [30, 120, 200],
    [128, 128, 128],
    [230, 190, 160],
    [0, 160, 60],
    [250, 220, 30],
  ]
  for (const [r, g, b] of colours) {
    const cmyk = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: r!, g: g!, b: b! } } })
      .toColourspace('cmyk')
      .jpeg({ quality: 100 })
      .toBuffer()
    const meta = await sharp(cmyk).metadata()
    t.same([meta.space, meta.channels], ['cmyk', 4], 'the input really is a 4-channel CMYK JPEG')
    for (const channels of [3, 4] as const) {
      const decoded = await decodeImage(cmyk, { channels })
      t.equal(decoded.channels, channels)
      const got = pixel(decoded, 8, 8)
      const diff = Math.max(...[r!, g!, b!].map((v, k) => Math.abs(v - got[k]!)))
      t.ok(diff <= 32, `rgb(${r},${g},${b}) -> rgb(${got.slice(0, 3)}): within 32 per channel (${diff})`)
      if (channels === 4) t.equal(got[3], 255, 'opaque')
    }
  }
})

t.test('16-bit PNGs are scaled to 8 bits, not clipped or truncated to the low byte', async (t) => {
  // 0x80ff -> 128, 0x4000 -> 64, 0x00ff -> 0 (the low byte alone would be 255; clipping would give 255 everywhere).
  const rgb16 = png(2, 1, 16, COLOR.rgb, [u16(0x80ff, 0x4000, 0x00ff, 0xffff, 0x0000, 0x7f00)])
  t.same(
    [(await sharp(rgb16).metadata()).depth, (await sharp(rgb16).metadata()).space],
    ['ushort', 'rgb16'],
    'input is 16-bit',
  )
  const rgb = await decodeImage(rgb16, { channels: 3 })
  t.same([...rgb.data], [128, 64, 0, 255, 0, 127])

  const grey16 = png(3, 1, 16, COLOR.grey, [u16(0x8000, 0x4000, 0x00ff)])
  t.same([...(await decodeImage(grey16, { channels: 3 })).data], [128, 128, 128, 64, 64, 64, 0, 0, 0])

  const greyAlpha16 = png(2, 1, 16, COLOR.greyAlpha, [u16(0x8000, 0xffff, 0x2000, 0x0000)])
  t.same([...(await decodeImage(greyAlpha16, { channels: 4 })).data], [128, 128, 128, 255, 32, 32, 32, 0])
})

t.test('grayscale becomes three equal channels (PNG and JPEG)', async (t) => {
  const grey = png(3, 1, 8, COLOR.grey, [Buffer.from([0, 100, 255])])
  t.same([...(await decodeImage(grey, { channels: 3 })).data], [0, 0, 0, 100, 100, 100, 255, 255, 255])
  t.same([...(await decodeImage(grey, { channels: 4 })).data], [0, 0, 0, 255, 100, 100, 100, 255, 255, 255, 255, 255])
  const greyJpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#555555' } })
    .toColourspace('b-w')
    .jpeg()
    .toBuffer()
  t.equal((await sharp(greyJpeg).metadata()).channels, 1, 'a one-channel JPEG')
  const decoded = await decodeImage(greyJpeg, { channels: 3 })
  const [r, g, b] = pixel(decoded, 8, 8)
  t.ok(r === g && g === b && Math.abs(r! - 0x55) <= 2, `grey ${r},${g},${b}`)
})

t.test(
  'palette PNG with transparency: right colours, alpha kept with 4 channels, flattened on white with 3',
  async (t) => {
    const plte = pngChunk('PLTE', Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255]))
    const trns = pngChunk('tRNS', Buffer.from([255, 128, 0]))
    const palette = png(3, 1, 8, COLOR.palette, [Buffer.from([0, 1, 2])], [plte, trns])
    t.equal((await sharp(palette).metadata()).isPalette, true)
    t.same([...(await decodeImage(palette, { channels: 4 })).data], [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0])
    const flat = await decodeImage(palette, { channels: 3 })
    t.same(pixel(flat, 0, 0), [255, 0, 0], 'opaque red stays red')
    t.ok(
      pixel(flat, 1, 0).every((v, k) => Math.abs(v - [127, 255, 127][k]!) <= 1),
      'half-transparent green over white',
    )
    t.same(pixel(flat, 2, 0), [255, 255, 255], 'fully transparent is white, not the hidden blue')
  },
)

t.test(
  'alpha PNG: 4 channels keep alpha; 3 channels show what a viewer sees, not the colour hidden under alpha 0',
  async (t) => {
    const rgba = png(2, 1, 8, COLOR.rgba, [Buffer.from([10, 20, 30, 255, 0, 0, 0, 0])])
    t.same([...(await decodeImage(rgba, { channels: 4 })).data], [10, 20, 30, 255, 0, 0, 0, 0])
    t.same([...(await decodeImage(rgba, { channels: 3 })).data], [10, 20, 30, 255, 255, 255])
    // Twin without alpha: 4 channels get an opaque alpha.
    const rgb = png(1, 1, 8, COLOR.rgb, [Buffer.from([10, 20, 30])])
    t.same([...(await decodeImage(rgb, { channels: 4 })).data], [10, 20, 30, 255])
  },
)

t.test('maxSide downscales, keeping the aspect ratio; never enlarges', async (t) => {
  const img = await sharp({ create: { width: 400, height: 200, channels: 3, background: '#123456' } })
    .png()
    .toBuffer()
  t.same((({ width, height }) => [width, height])(await decodeImage(img, { channels: 3, maxSide: 100 })), [100, 50])
  t.same((({ width, height }) => [width, height])(await decodeImage(img, { channels: 3, maxSide: 1000 })), [400, 200])
})

// --- Formats: only JPEG, PNG and WebP --------------------------------------------------------------------------

t.test(
  'GIF, SVG, TIFF, HEIF/AVIF, PPM and BMP are IMAGE_UNSUPPORTED; JPEG, PNG and WebP of the same picture decode',
  async (t) => {
    const picture = sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 200, g: 60, b: 30 } } })
    const blocked: Array<[string, Buffer]> = [
      ['gif', await picture.clone().gif().toBuffer()],
      ['tiff', await picture.clone().tiff().toBuffer()],
      ['avif', await picture.clone().avif().toBuffer()],
      [
        'svg',
        Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#c83c1e"/></svg>',
        ),
      ],
      [
        'svg with prolog',
        Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"/>'),
      ],
      ['ppm', Buffer.concat([Buffer.from('P6\n32 32\n255\n'), Buffer.alloc(32 * 32 * 3, 128)])],
      ['bmp', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)])],
    ]
    for (const [name, bytes] of blocked) {
      await t.rejects(decodeImage(bytes, { channels: 3 }), { name: 'ImageError', code: 'IMAGE_UNSUPPORTED' }, name)
    }
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const decoded = await decodeImage(await solid(format), { channels: 3 })
      const [r, g, b] = pixel(decoded, 16, 16)
      t.ok(
        Math.abs(r! - 200) <= 4 && Math.abs(g! - 60) <= 4 && Math.abs(b! - 30) <= 4,
        `${format} decodes to the picture`,
      )
    }
  },
)

t.test('truncated JPEG and PNG are IMAGE_CORRUPT; the complete files decode', async (t) => {
  const jpeg = await sharp({
    create: {
      width: 300,
      height: 300,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg()
    .toBuffer()
  await t.rejects(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length / 2)), { channels: 3 }), {
    code: 'IMAGE_CORRUPT',
  })
  t.equal((await decodeImage(jpeg, { channels: 3 })).width, 300)
  const rows = Array.from({ length: 50 }, (_, y) => Buffer.alloc(50, y * 5))
  const full = png(50, 50, 8, COLOR.grey, rows)
  await t.rejects(decodeImage(full.subarray(0, full.length - 30), { channels: 3 }), { code: 'IMAGE_CORRUPT' })
  const badCrc = Buffer.from(full)
  badCrc[badCrc.length - 13]! ^= 0xff // last byte of the IDAT CRC
  await t.rejects(decodeImage(badCrc, { channels: 3 }), { code: 'IMAGE_CORRUPT' }, 'a bad CRC fails (failOn is strict)')
  t.equal((await decodeImage(full, { channels: 3 })).height, 50)
})

t.test('garbage is refused with a generic message; the engine still decodes afterwards', async (t) => {
  for (let i = 0; i < 20; i++) {
    await t.rejects(decodeImage(randomBytes(1 + i * 97), { channels: 3 }), ImageError)
  }
  await t.rejects(decodeImage(Buffer.from('definitely not an image'), { channels: 3 }), { code: 'IMAGE_UNSUPPORTED' })
  await t.rejects(decodeImage(new Uint8Array(0), { channels: 3 }), { code: 'IMAGE_UNSUPPORTED' })
  // Right magic, garbage after: a corrupt JPEG / PNG / WebP, not an unsupported format.
  const riff = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4, 0x20), Buffer.from('WEBPVP8 '), randomBytes(200)])
  for (const [name, bytes] of [
    ['jpeg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(500)])],
    ['png', Buffer.concat([PNG_SIGNATURE, randomBytes(500)])],
    ['webp', riff],
  ] as const) {
    const error = await decodeImage(bytes, { channels: 3 }).then(
      () => null,
      (e: unknown) => e,
    )
    t.ok(error instanceof ImageError && error.code === 'IMAGE_CORRUPT', `${name} magic + garbage: IMAGE_CORRUPT`)
    // These messages reach API clients: ours, never the library's.
    t.notMatch((error as Error).message, /vips|libpng|spng|jpeg:|webp:|sharp/i, 'no library message')
  }
  t.equal((await decodeImage(await solid('png'), { channels: 4 })).channels, 4, 'twin: a real image still decodes')
})
