// QR read rate and decode time per decoder and difficulty, on seeded synthetic phone frames.
// Run: node --import tsx bench/qr.ts [--frames 60] [--size 640x480] [--chars 220]
import { generateKeyPairSync } from 'node:crypto'
import { parseArgs } from 'node:util'
import jwt from 'jsonwebtoken'
import QRCode from 'qrcode'
import { decodeQr, type QrDecoderName } from '../kiosk-sim/qr.ts'
import { renderPhoneFrame, type PhoneFrameDifficulty } from '../kiosk-sim/sources/phone-frame.ts'

const DIFFICULTIES: PhoneFrameDifficulty[] = ['clean', 'mild', 'hard']
const DECODERS: QrDecoderName[] = ['zxing', 'jsqr']

interface Row {
  decoder: QrDecoderName
  difficulty: PhoneFrameDifficulty
  frames: number
  read: number
  wrong: number
  p50Ms: number
  p95Ms: number
  scales: Record<string, number>
}

/**
 * A token shaped like the gate token (ES256, typ, kid, seven short claims). The real thing is about 300
 * characters even with terse claims; for shorter `chars` the payload segment is cut (same alphabet, same
 * QR byte mode, not verifiable), for longer ones `sub` is padded.
 */
export function sampleToken(chars: number): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const now = 1_764_000_000
  const sign = (sub: string) =>
    jwt.sign({ iss: 'immd', aud: 'ec', sub, jti: 'Qm9yZGVyR2F0ZUp0', iat: now, nbf: now, exp: now + 120 }, privateKey, {
      algorithm: 'ES256',
      header: { alg: 'ES256', typ: 'ecq+jwt', kid: 'k1' },
    })
  let sub = 'r7Hq2xLm9P'
  while (sign(sub).length < chars) sub += 'x'
  const [header, payload, signature] = sign(sub).split('.') as [string, string, string]
  const room = chars - header.length - signature.length - 2
  return `${header}.${payload.slice(0, Math.max(4, room))}.${signature}`
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      frames: { type: 'string', default: '60' },
      size: { type: 'string', default: '640x480' },
      chars: { type: 'string', default: '220' },
    },
  })
  const frames = Number(values.frames)
  const [width, height] = values.size.split('x').map(Number) as [number, number]
  const token = sampleToken(Number(values.chars))
  const version = QRCode.create(token, { errorCorrectionLevel: 'M' }).version
  console.log(
    `token ${token.length} chars, QR version ${version} (EC M); ${frames} frames per difficulty at ${width}x${height}`,
  )

  // Warm up: wasm compile, sharp and the JIT are not part of any figure.
  const warm = await renderPhoneFrame(token, { seed: 999_999, difficulty: 'clean', width, height })
  for (const decoder of DECODERS) await decodeQr(warm, { decoder })

  const rows: Row[] = []
  for (const difficulty of DIFFICULTIES) {
    const images: Buffer[] = []
    for (let seed = 1; seed <= frames; seed++)
      images.push(await renderPhoneFrame(token, { seed, difficulty, width, height }))
    for (const decoder of DECODERS) {
      const times: number[] = []
      const row: Row = { decoder, difficulty, frames, read: 0, wrong: 0, p50Ms: 0, p95Ms: 0, scales: {} }
      for (const image of images) {
        const started = performance.now()
        const result = await decodeQr(image, { decoder })
        times.push(performance.now() - started)
        if (!result) continue
        if (result.text !== token) row.wrong++
        else row.read++
        row.scales[result.scale] = (row.scales[result.scale] ?? 0) + 1
      }
      times.sort((a, b) => a - b)
      row.p50Ms = percentile(times, 50)
      row.p95Ms = percentile(times, 95)
      rows.push(row)
    }
  }

  console.log('\n| decoder | difficulty | read | wrong | ms p50 | ms p95 | read at scale |')
  console.log('|---|---|---|---|---|---|---|')
  for (const r of rows) {
    const scales = Object.entries(r.scales)
      .map(([s, n]) => `${s}:${n}`)
      .join(' ')
    console.log(
      `| ${r.decoder} | ${r.difficulty} | ${((100 * r.read) / r.frames).toFixed(0)}% (${r.read}/${r.frames}) ` +
        `| ${r.wrong} | ${r.p50Ms.toFixed(1)} | ${r.p95Ms.toFixed(1)} | ${scales} |`,
    )
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
