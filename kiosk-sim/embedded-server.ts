import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export interface EmbeddedServer {
  url: string
  operatorKey: string
  kioskKeys: Record<string, string>
  databasePath: string
  stop(): Promise<void>
}

const SERVER_MAIN = fileURLToPath(new URL('../server/main.ts', import.meta.url))
// tsx as this package resolves it, not as the caller's working directory would (npx kiosk-sim from elsewhere).
const TSX = import.meta.resolve('tsx')

/**
 * Starts the real server as its own process on a fresh SQLite file and a free port, with freshly made keys.
 * The kiosk still talks to it over HTTP only.
 */
export interface EmbeddedServerOptions {
  kioskIds: string[]
  logLevel?: string
  env?: NodeJS.ProcessEnv
  /** Secrets to share with other instances (several servers on one database); fresh ones otherwise. */
  secrets?: EmbeddedSecrets
}

export interface EmbeddedSecrets {
  operatorKey: string
  kioskKeys: Record<string, string>
  templateKey: string
}

export function newEmbeddedSecrets(kioskIds: string[]): EmbeddedSecrets {
  return {
    operatorKey: `op_${randomBytes(24).toString('base64url')}`,
    kioskKeys: Object.fromEntries(kioskIds.map((id) => [id, `kk_${randomBytes(24).toString('base64url')}`])),
    templateKey: randomBytes(32).toString('base64'),
  }
}

export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'echannel-'))
  const databasePath = path.join(dir, 'echannel.db')
  const { operatorKey, kioskKeys, templateKey } = options.secrets ?? newEmbeddedSecrets(options.kioskIds)
  const child = spawn(process.execPath, ['--import', TSX, SERVER_MAIN], {
    env: {
      ...process.env,
      ...options.env,
      DATABASE_PATH: databasePath,
      // Its signing key lives and dies with the temporary folder: the point of an embedded server.
      DATA_DIR: dir,
      HOST: '127.0.0.1',
      PORT: '0',
      OPERATOR_KEYS: operatorKey,
      TEMPLATE_KEY: templateKey,
      KIOSK_KEYS: Object.entries(kioskKeys)
        .map(([id, key]) => `${id}:${key}`)
        .join(','),
      LOG_LEVEL: options.logLevel ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await waitForListening(child)
  return {
    url,
    operatorKey,
    kioskKeys,
    databasePath,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! })
    const timer = setTimeout(() => fail(new Error('embedded server did not start within 120 s')), 120_000)
    const fail = (error: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(error)
    }
    child.once('exit', (code) => fail(new Error(`embedded server exited with code ${code}`)))
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as { listening?: string; level?: number; msg?: string }
        if (parsed.listening) {
          clearTimeout(timer)
          child.removeAllListeners('exit')
          resolve(parsed.listening)
        } else if ((parsed.level ?? 0) >= 40) process.stderr.write(`[server] ${parsed.msg ?? line}\n`)
      } catch {
        // Not a JSON line: not ours to read.
      }
    })
  })
}
