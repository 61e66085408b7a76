// kiosk-sim serve: a live kiosk for the /kiosk screen (webcam frames in, decisions out).
import { parseArgs } from 'node:util'
import type { FaceBackend } from '../../models/face-types.ts'
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../../tokens/token-profile.ts'
import { startEmbeddedServer, type EmbeddedServer } from '../embedded-server.ts'
import { startKioskService } from './kiosk-service.ts'

export const SERVE_USAGE = `  kiosk-sim serve (--server URL --kiosk-key KEY | --embedded) [--kiosk-id ID] [--control-point CP] [--port P]
                  [--page-origin ORIGIN] [--hold-ms MS] [--issuer ISS] [--audience AUD] [--calibration FILE]`

export async function serveCommand(argv: string[], backend?: FaceBackend): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      embedded: { type: 'boolean', default: false },
      'kiosk-key': { type: 'string', default: process.env.KIOSK_KEY },
      'kiosk-id': { type: 'string', default: 'kiosk-1' },
      'control-point': { type: 'string', default: 'HKIA-T1' },
      port: { type: 'string', default: '8090' },
      'page-origin': { type: 'string' },
      'hold-ms': { type: 'string', default: '4000' },
      issuer: { type: 'string', default: DEFAULT_ISSUER },
      audience: { type: 'string', default: DEFAULT_AUDIENCE },
      calibration: { type: 'string' },
    },
  })
  if (!values.server && !values.embedded) {
    process.stderr.write(`usage:\n${SERVE_USAGE}\n`)
    return 2
  }
  const kioskId = values['kiosk-id']!
  let embedded: EmbeddedServer | null = null
  if (values.embedded) embedded = await startEmbeddedServer({ kioskIds: [kioskId] })
  const serverUrl = embedded?.url ?? values.server!
  const kioskKey = embedded?.kioskKeys[kioskId] ?? values['kiosk-key']
  if (!kioskKey) {
    process.stderr.write('--kiosk-key (or KIOSK_KEY) is required with --server\n')
    await embedded?.stop()
    return 2
  }
  const kiosk = await startKioskService({
    backend,
    serverUrl,
    kioskKey,
    identity: { kioskId, controlPoint: values['control-point']! },
    port: Number(values.port),
    gate: { holdMs: Number(values['hold-ms']) },
    issuer: values.issuer,
    audience: values.audience,
    ...(values['page-origin'] ? { pageOrigin: values['page-origin'] } : {}),
    ...(values.calibration ? { calibrationFile: values.calibration } : {}),
  })
  const kioskPage = `${serverUrl}/kiosk?kiosk=${encodeURIComponent(kiosk.url)}`
  process.stdout.write(
    `${JSON.stringify({ kiosk: kiosk.url, server: serverUrl, kioskPage, dashboard: `${serverUrl}/dashboard`, ...(embedded ? { operatorKey: embedded.operatorKey } : {}) })}\n`,
  )
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve())
  })
  await kiosk.close()
  await embedded?.stop()
  return 0
}
