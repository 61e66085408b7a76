import QRCode from 'qrcode'
import sharp from 'sharp'
import t from 'tap'
import { decodeQr, DEFAULT_QR_DECODER, type QrDecoderName } from '../../kiosk-sim/qr.ts'
import { renderPhoneFrame } from '../../kiosk-sim/sources/phone-frame.ts'

// JWT-shaped and about as long as a gate token, so the QR version is the real one.
const TOKEN =
  `eyJhbGciOiJFUzI1NiIsInR5cCI6ImVjcStqd3QiLCJraWQiOiJrMSJ9.` +
  `${'eyJpc3MiOiJpbW1kIiwiYXVkIjoiZWMi'.repeat(3)}.${'MEUCIQDx7'.repeat(9)}`
const DECODERS: QrDecoderName[] = ['zxing', 'jsqr']

/** A grey, noisy 640x480 scene, with or without a plain QR pasted on it: the two differ only in the QR. */
async function scene(withQr: boolean): Promise<Buffer> {
  const base = sharp({
    create: {
      width: 640,
      height: 480,
      channels: 3,
      background: { r: 120, g: 128, b: 135 },
      noise: { type: 'gaussian', mean: 128, sigma: 20 },
    },
  })
  if (!withQr) return base.jpeg({ quality: 85 }).toBuffer()
  const qr = await QRCode.toBuffer(TOKEN, { errorCorrectionLevel: 'M', margin: 4, scale: 4 })
  return sharp(await base.png().toBuffer())
    .composite([{ input: qr, left: 180, top: 100 }])
    .jpeg({ quality: 85 })
    .toBuffer()
}

t.test('zxing is the default decoder', async (t) => {
  t.equal(DEFAULT_QR_DECODER, 'zxing')
  const result = await decodeQr(await renderPhoneFrame(TOKEN, { seed: 1, difficulty: 'clean' }))
  t.equal(result?.decoder, 'zxing')
})

for (const decoder of DECODERS) {
  t.test(`${decoder} reads rendered clean and mild phone frames`, async (t) => {
    for (const difficulty of ['clean', 'mild'] as const) {
      for (const seed of [1, 2, 3]) {
        const result = await decodeQr(await renderPhoneFrame(TOKEN, { seed, difficulty }), { decoder })
        t.equal(result?.text, TOKEN, `${difficulty} seed ${seed}`)
        t.equal(result?.decoder, decoder)
        t.ok(result && result.ms > 0 && [0.5, 0.75, 1, 1.5].includes(result.scale), 'reports scale and time')
      }
    }
  })

  t.test(`${decoder} returns null on a scene without a QR, and reads its twin with one`, async (t) => {
    t.equal(await decodeQr(await scene(false), { decoder }), null, 'no QR: null')
    t.equal((await decodeQr(await scene(true), { decoder }))?.text, TOKEN, 'same scene with a QR: read')
  })
}

t.test('raw pixels (RGB, RGBA, grey) are read as they are, as the live gate hands them over', async (t) => {
  const frame = await renderPhoneFrame(TOKEN, { seed: 1, difficulty: 'clean' })
  for (const channels of [3, 4, 1] as const) {
    const image = sharp(frame)
    const shaped =
      channels === 1 ? image.toColourspace('b-w') : channels === 4 ? image.ensureAlpha() : image.removeAlpha()
    const { data, info } = await shaped.raw().toBuffer({ resolveWithObject: true })
    t.equal(info.channels, channels)
    const result = await decodeQr({ data, width: info.width, height: info.height, channels })
    t.equal(result?.text, TOKEN, `${channels} channels`)
  }
  const wrongSize = { data: new Uint8Array(30), width: 640, height: 480, channels: 3 } as const
  await t.rejects(decodeQr(wrongSize), { code: 'IMAGE_CORRUPT' })
})

t.test('a 1920x1080 frame is downscaled and read', async (t) => {
  const frame = await renderPhoneFrame(TOKEN, { seed: 4, difficulty: 'clean', width: 1920, height: 1080 })
  const result = await decodeQr(frame)
  t.equal(result?.text, TOKEN)
})

t.test('bytes that are no image reject with IMAGE_UNSUPPORTED; a real image does not', async (t) => {
  await t.rejects(decodeQr(new TextEncoder().encode('not an image at all')), { code: 'IMAGE_UNSUPPORTED' })
  await t.resolves(decodeQr(await scene(false)))
})
