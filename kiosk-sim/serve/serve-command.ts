// kiosk-sim serve: a live kiosk for the /kiosk screen (webcam frames in, decisions out).
import { Command } from 'commander'
import { commandAction, ioOf } from '../../lib/cli/run-program.ts'
import { numberIn, port } from '../../lib/cli/number-parsers.ts'
import { parseFaceBackend } from '../../models/face-backend.ts'
import { addConnectionOptions, kioskOptions, kioskServer, type ConnectionValues } from '../kiosk-options.ts'

interface ServeValues extends ConnectionValues {
  port: number
  pageOrigin?: string
  holdMs: number
  fixtures?: string
  json?: boolean
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .summary('a live kiosk behind the /kiosk screen (webcam frames in, decisions out)')
    .description(
      "Serves a live kiosk on 127.0.0.1 for the server's /kiosk page, and prints the page URLs. " +
        'With --embedded it starts a server of its own and prints its operator key; --fixtures enrols the fixture ' +
        'residents on it so that a resident token can be shown at once. Stops on Ctrl-C. Exit codes: 0, 1, 2 usage.',
    )
  return addConnectionOptions(command)
    .optionsGroup('Kiosk screen:')
    .option('--port <port>', "the kiosk's own port (0: any free port)", port, 8090)
    .option('--page-origin <origin>', "browser origin of the kiosk page (default: the server's)")
    .option('--hold-ms <ms>', 'time a decision stays on screen', numberIn({ min: 0, max: 60_000 }), 4000)
    .option('--fixtures <dir>', 'enrol these fixture residents first (needs the operator key)')
    .option('--json', 'print the URLs and keys as one JSON line (for scripts)')
    .action(
      commandAction(async (values: ServeValues, cmd: Command) => {
        const server = kioskServer(values, cmd, { operatorKey: Boolean(values.fixtures) })
        const { serveMain } = await import('./serve-main.ts')
        return serveMain(
          {
            kiosk: kioskOptions(values),
            server,
            port: values.port,
            holdMs: values.holdMs,
            ...(values.pageOrigin ? { pageOrigin: values.pageOrigin } : {}),
            ...(values.fixtures ? { fixtures: values.fixtures } : {}),
            json: Boolean(values.json),
          },
          ioOf(cmd),
          cmd,
          parseFaceBackend(process.env.FACE_BACKEND),
        )
      }),
    )
}
