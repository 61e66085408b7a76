// The action of `kiosk-sim serve`: open the kiosk (start-up checks first), optionally enrol the fixture residents,
// serve the kiosk screen, and say in plain lines where everything is and how to get a resident to the gate.
import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import type { CliIo } from '../../lib/cli/run-program.ts'
import type { FaceBackend } from '../../models/face-types.ts'
import { openKiosk, type KioskOptions, type RemoteServer } from '../kiosk.ts'
import { fixturePath } from '../scenario/fixture-set.ts'
import { loadFixturesOrUsage } from '../scenario/fixtures-command.ts'
import { OperatorClient } from '../scenario/operator-client.ts'
import { enrolOrReset } from '../scenario/run-fixtures.ts'
import { serveKiosk } from './kiosk-service.ts'

export interface ServeRun {
  kiosk: Pick<KioskOptions, 'identity' | 'tokenPolicy' | 'calibrationFile'>
  server: RemoteServer | 'embedded'
  port: number
  holdMs: number
  pageOrigin?: string
  fixtures?: string
  json: boolean
}

export async function serveMain(run: ServeRun, io: CliIo, command: Command, backend?: FaceBackend): Promise<number> {
  const set = run.fixtures ? await loadFixturesOrUsage(run.fixtures, command) : null
  const kiosk = await openKiosk({ ...run.kiosk, server: run.server, ...(backend ? { backend } : {}) })
  try {
    const service = await serveKiosk(kiosk, {
      port: run.port,
      gate: { holdMs: run.holdMs },
      ...(run.pageOrigin ? { pageOrigin: run.pageOrigin } : {}),
    })
    const { serverUrl, operatorKey } = kiosk
    const enrolled: Array<{ residentId: string; credential: string }> = []
    if (set) {
      const operator = new OperatorClient(serverUrl, operatorKey!)
      for (const resident of set.residents) {
        const photo = await readFile(fixturePath(set, resident.enrolPhoto))
        enrolled.push({
          residentId: resident.residentId,
          credential: await enrolOrReset(operator, { ...resident, photo }),
        })
      }
    }
    const started = {
      kiosk: service.url,
      server: serverUrl,
      kioskPage: `${serverUrl}/kiosk?kiosk=${encodeURIComponent(service.url)}`,
      dashboard: `${serverUrl}/dashboard`,
      ...(run.server === 'embedded' ? { operatorKey } : {}),
      ...(enrolled.length ? { enrolled } : {}),
    }
    io.out(run.json ? `${JSON.stringify(started)}\n` : startedLines(started, run.server === 'embedded'))
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve())
    })
    await service.close()
    // close() flushed the reporter: events the server refused are named here rather than dropped unseen.
    const refused = kiosk.reporter.refused
    if (refused.length > 0) {
      const codes = [...new Set(refused.map((r) => r.code))].join(', ')
      io.err(`kiosk-sim: ${refused.length} events refused by the server (${codes}); they were not stored\n`)
      for (const { event, code } of refused) io.err(`  ${code} ${JSON.stringify(event)}\n`)
      return 1
    }
  } finally {
    await kiosk.close()
  }
  return 0
}

/** What a person needs to use the screen: the URLs, and how to enrol a resident and show their QR code. */
export function startedLines(
  s: {
    kiosk: string
    server: string
    kioskPage: string
    dashboard: string
    operatorKey?: string
    enrolled?: Array<{ residentId: string; credential: string }>
  },
  embedded: boolean,
): string {
  const lines = [
    `kiosk        ${s.kiosk} (Ctrl-C stops it${embedded ? ' and its embedded server' : ''})`,
    `server       ${s.server}${embedded ? ' (embedded: a temporary database, gone when this stops)' : ''}`,
    `kiosk page   ${s.kioskPage}  (webcam; open it at exactly this origin)`,
    `dashboard    ${s.dashboard}`,
  ]
  if (s.operatorKey && embedded) lines.push(`operator key ${s.operatorKey}`)
  const first = s.enrolled?.[0]
  if (first) {
    lines.push(
      '',
      `enrolled ${s.enrolled!.length} fixture residents; a QR code for ${first.residentId} (a token lives 2 minutes):`,
      `  curl -s -X POST ${s.server}/v1/tokens -H 'authorization: Bearer ${first.credential}'`,
      `  then fetch the reply's qr.png link with the same header (curl -o qr.png ...) and show it to the camera`,
    )
  } else {
    lines.push(
      '',
      'no resident is enrolled yet; enrol one (HKID with its check digit, e.g. A123456(3)), then get a token:',
      `  curl -s ${s.server}/v1/residents -H "authorization: Bearer ${embedded ? s.operatorKey : '$OPERATOR_KEY'}" \\`,
      "    -F residentId='A123456(3)' -F name='Chan Tai Man' -F dateOfBirth=1990-01-01 -F photo=@face.jpg",
      `  curl -s -X POST ${s.server}/v1/tokens -H 'authorization: Bearer <credential from the reply>'`,
      '  or start with --fixtures fixtures to enrol the fixture residents',
    )
  }
  return `${lines.join('\n')}\n`
}
