// The service's only side-effecting entry point: reads the environment, listens, closes gracefully.
import type { App } from './app.ts'
import { configFromEnv, type ServerSettings } from './env-config.ts'
import { probePort } from './port-probe.ts'
import { configuredUrl, firstStartNotice, startFailure } from './start-messages.ts'

let settings: ServerSettings | null = null
let app: App
let address: string
try {
  settings = await configFromEnv(process.env)
  await probePort(settings.listen.host, settings.listen.port)
  // Loaded only now (it pulls in the face engine): a bad environment or a busy port is reported in a second.
  const { buildApp } = await import('./app.ts')
  app = await buildApp(settings.config)
  address = await app.listen(settings.listen)
} catch (error) {
  const lines = startFailure(error, settings)
  if (!lines) throw error
  // The keys were made even though the start failed: this is the only time they are shown.
  if (settings?.firstStart) process.stderr.write(firstStartNotice(settings.firstStart, configuredUrl(settings)))
  process.stderr.write(lines.map((line) => `server: ${line}\n`).join(''))
  process.exit(1)
}
// One machine-readable line, so that a parent process (kiosk-sim --embedded) learns the port.
process.stdout.write(`${JSON.stringify({ listening: address })}\n`)
if (settings.firstStart) process.stderr.write(firstStartNotice(settings.firstStart, address))

let closing = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'closing')
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
