// kiosk-sim serve: a live kiosk for the /kiosk screen (webcam frames in, decisions out).
import { parseArgs } from 'node:util'
import type { FaceBackend } from '../../models/face-types.ts'
import { openKiosk } from '../kiosk.ts'
import { CONNECTION_OPTIONS, kioskOptions, kioskServer } from '../kiosk-options.ts'
import { serveKiosk } from './kiosk-service.ts'

export const SERVE_USAGE = `  kiosk-sim serve (--server URL --kiosk-key KEY | --embedded) [--kiosk-id ID] [--control-point CP] [--port P]
                  [--page-origin ORIGIN] [--hold-ms MS] [--issuer ISS] [--audience AUD] [--calibration FILE]`

export async function serveCommand(argv: string[], backend?: FaceBackend): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...CONNECTION_OPTIONS,
      port: { type: 'string', default: '8090' },
      'page-origin': { type: 'string' },
      'hold-ms': { type: 'string', default: '4000' },
    },
  })
  if (!values.server && !values.embedded) {
    process.stderr.write(`usage:\n${SERVE_USAGE}\n`)
    return 2
  }
  const server = kioskServer(values)
  if (!server) {
    process.stderr.write('--kiosk-key (or KIOSK_KEY) is required with --server\n')
    return 2
  }
  const kiosk = await openKiosk({ ...kioskOptions(values), server, ...(backend ? { backend } : {}) })
  try {
    const service = await serveKiosk(kiosk, {
      port: Number(values.port),
      gate: { holdMs: Number(values['hold-ms']) },
      ...(values['page-origin'] ? { pageOrigin: values['page-origin'] } : {}),
    })
    const { serverUrl } = kiosk
    const kioskPage = `${serverUrl}/kiosk?kiosk=${encodeURIComponent(service.url)}`
    const started = {
      kiosk: service.url,
      server: serverUrl,
      kioskPage,
      dashboard: `${serverUrl}/dashboard`,
      ...(server === 'embedded' ? { operatorKey: kiosk.operatorKey } : {}),
    }
    process.stdout.write(`${JSON.stringify(started)}\n`)
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve())
    })
    await service.close()
  } finally {
    await kiosk.close()
  }
  return 0
}
