// Camera frames for the load test, made before the timed run so that rendering never counts as gate work.
import QRCode from 'qrcode'
import sharp from 'sharp'

const WIDTH = 640
const HEIGHT = 480

/** A phone held square to the camera: the QR on a white screen in a dark body, on a grey background. */
export async function qrCardFrame(token: string): Promise<Buffer> {
  const qr = await QRCode.toBuffer(token, { errorCorrectionLevel: 'M', margin: 4, scale: 4, type: 'png' })
  const qrMeta = await sharp(qr).metadata()
  const side = qrMeta.width!
  const phone = await sharp({
    create: { width: side + 40, height: side + 120, channels: 3, background: { r: 25, g: 25, b: 30 } },
  })
    .composite([{ input: qr, top: 50, left: 20 }])
    .png()
    .toBuffer()
  return sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: { r: 120, g: 128, b: 118 } } })
    .composite([
      {
        input: phone,
        top: Math.max(0, Math.round((HEIGHT - side - 120) / 2)),
        left: Math.round((WIDTH - side - 40) / 2),
      },
    ])
    .jpeg({ quality: 85 })
    .toBuffer()
}

/**
 * A presentation attack: the resident's face shown on another phone's screen held up to the camera, with the
 * screen's bezel, a colour cast and glare. The gate must not approve it.
 */
export async function screenReplayFrame(faceFrame: Uint8Array): Promise<Buffer> {
  const screen = await sharp(faceFrame)
    .resize(360, 270)
    .modulate({ brightness: 1.15, saturation: 0.8 })
    .tint({ r: 200, g: 215, b: 255 })
    .toBuffer()
  const glare = Buffer.from(
    '<svg width="360" height="270"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">' +
      '<stop offset="0.3" stop-color="white" stop-opacity="0"/>' +
      '<stop offset="0.5" stop-color="white" stop-opacity="0.35"/>' +
      '<stop offset="0.7" stop-color="white" stop-opacity="0"/>' +
      '</linearGradient></defs><rect width="360" height="270" fill="url(#g)"/></svg>',
  )
  const device = await sharp({ create: { width: 400, height: 310, channels: 3, background: { r: 15, g: 15, b: 18 } } })
    .composite([
      { input: screen, top: 20, left: 20 },
      { input: glare, top: 20, left: 20 },
    ])
    .png()
    .toBuffer()
  return sharp({ create: { width: WIDTH, height: HEIGHT, channels: 3, background: { r: 95, g: 90, b: 85 } } })
    .composite([{ input: device, top: 85, left: 120 }])
    .blur(0.8)
    .jpeg({ quality: 80 })
    .toBuffer()
}
