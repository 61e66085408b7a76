// The service's only side-effecting entry point: reads the environment, listens, closes gracefully.
import { buildApp } from './app.ts'
import { configFromEnv } from './env-config.ts'

const { config, warnings } = await configFromEnv(process.env)
const app = await buildApp(config)
for (const warning of warnings) app.log.warn(warning)

const host = process.env.HOST ?? '127.0.0.1'
const port = Number(process.env.PORT ?? 8080)
const address = await app.listen({ host, port })
// One machine-readable line, so that a parent process (kiosk-sim --embedded) learns the port.
process.stdout.write(`${JSON.stringify({ listening: address })}\n`)

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
