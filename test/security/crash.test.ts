// kill -9 in the middle of traffic: the real server (server/main.ts, its own process, a SQLite file) takes
// clearance-event batches and jti consumptions from several kiosks at once, is SIGKILLed mid-flow and restarted
// on the same file. Every 2xx must have survived, no batch may be half written, and the file must be sound.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import t from 'tap'

const SERVER_MAIN = fileURLToPath(new URL('../../server/main.ts', import.meta.url))
const KIOSKS = ['kiosk-a', 'kiosk-b', 'kiosk-c', 'kiosk-d']
const BATCH = 25
const ISS = 'hk-immd'

interface Running {
  url: string
  child: ChildProcess
}

t.test(
  'SIGKILL mid-flow: every acknowledged event and jti survives, batches are all-or-nothing, the file is sound',
  async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'echannel-crash-'))
    const databasePath = path.join(dir, 'echannel.db')
    const operatorKey = `op_${randomBytes(24).toString('base64url')}`
    const kioskKeys = Object.fromEntries(KIOSKS.map((id) => [id, `kk_${randomBytes(24).toString('base64url')}`]))
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_PATH: databasePath,
      DATA_DIR: dir,
      HOST: '127.0.0.1',
      PORT: '0',
      OPERATOR_KEYS: operatorKey,
      KIOSK_KEYS: Object.entries(kioskKeys)
        .map(([id, key]) => `${id}:${key}`)
        .join(','),
      TEMPLATE_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'error',
    }
    // This test is about the SQLite file: no shared database, Redis or key directory from the caller's shell.
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'KEYS_DIR', 'CALIBRATION_FILE']) delete env[name]

    const children: ChildProcess[] = []
    t.teardown(async () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    })

    async function start(): Promise<Running> {
      const started = performance.now()
      const child = spawn(process.execPath, ['--import', 'tsx', SERVER_MAIN], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      children.push(child)
      let stderr = ''
      child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()))
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start in 90 s: ${stderr}`)), 90_000)
        child.once('exit', (code, signal) => {
          clearTimeout(timer)
          reject(new Error(`server exited (${code ?? signal}) before listening: ${stderr}`))
        })
        createInterface({ input: child.stdout! }).on('line', (line) => {
          try {
            const parsed = JSON.parse(line) as { listening?: string }
            if (parsed.listening) {
              clearTimeout(timer)
              child.removeAllListeners('exit')
              t.comment(
                `server up in ${Math.round(performance.now() - started)} ms (most of it loading the face models)`,
              )
              resolve(parsed.listening)
            }
          } catch {
            // Not the listening line.
          }
        })
      })
      return { url, child }
    }

    const call = async (url: string, key: string, method: string, route: string, body?: unknown) => {
      const response = await fetch(new URL(route, url), {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(10_000),
      })
      return { status: response.status, body: (await response.json()) as Record<string, unknown> }
    }
    const event = (kioskId: string) => ({
      eventId: randomUUID(),
      kioskId,
      controlPoint: 'lo-wu',
      channel: 'contactless' as const,
      decision: 'APPROVE' as const,
      reason: null,
      score: 0.91,
      modelVersion: 'human-faceres@crash',
      kid: 'k1',
      jtiHash: randomBytes(32).toString('hex'),
      occurredAt: Date.now(),
      timings: { decodeMs: 1, verifyMs: 1, detectMs: 1, embedMs: 1, livenessMs: 1, matchMs: 1, totalMs: 6 },
    })

    const first = await start()

    // Traffic: one event client per kiosk plus two jti clients per kiosk, all at once, until the kill.
    const batches: Array<{ kioskId: string; events: Array<ReturnType<typeof event>>; ids: string[]; acked: boolean }> =
      []
    const jtis: Array<{ jti: string; acked: boolean }> = []
    let killed = false
    let inFlight = 0
    const track = async <T>(work: () => Promise<T>): Promise<T> => {
      inFlight++
      try {
        return await work()
      } finally {
        inFlight--
      }
    }
    async function eventClient(kioskId: string) {
      while (!killed) {
        const events = Array.from({ length: BATCH }, () => event(kioskId))
        const batch = { kioskId, events, ids: events.map((e) => e.eventId), acked: false }
        batches.push(batch)
        try {
          const res = await track(() => call(first.url, kioskKeys[kioskId]!, 'POST', '/v1/kiosk/events', { events }))
          batch.acked = res.status === 200 && res.body.accepted === BATCH
        } catch {
          return // the server is gone
        }
      }
    }
    async function jtiClient(kioskId: string) {
      while (!killed) {
        const entry = { jti: randomBytes(12).toString('base64url'), acked: false }
        jtis.push(entry)
        try {
          const res = await track(() =>
            call(first.url, kioskKeys[kioskId]!, 'POST', '/v1/kiosk/jti', {
              iss: ISS,
              jti: entry.jti,
              exp: Math.floor(Date.now() / 1000) + 600,
            }),
          )
          entry.acked = res.status === 200
        } catch {
          return
        }
      }
    }
    const clients = KIOSKS.flatMap((id) => [eventClient(id), jtiClient(id), jtiClient(id)])
    const deadline = Date.now() + 8000
    while (
      Date.now() < deadline &&
      (batches.filter((b) => b.acked).length < 40 || jtis.filter((j) => j.acked).length < 150)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const exited = new Promise((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)))
    const inFlightAtKill = inFlight
    first.child.kill('SIGKILL')
    killed = true
    t.equal(await exited, 'SIGKILL', 'the server died by SIGKILL')
    await Promise.all(clients)

    const ackedBatches = batches.filter((b) => b.acked)
    const ackedJtis = jtis.filter((j) => j.acked)
    t.ok(
      ackedBatches.length >= 10 && ackedJtis.length >= 50,
      `traffic before the kill: ${ackedBatches.length} batches, ${ackedJtis.length} jtis acknowledged`,
    )
    t.ok(inFlightAtKill > 0, `${inFlightAtKill} requests were in flight at the kill`)

    // Restart on the same file.
    const second = await start()
    const db = new Database(databasePath, { readonly: true, fileMustExist: true })
    t.teardown(() => db.close())
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'PRAGMA integrity_check: ok')
    t.equal(db.pragma('journal_mode', { simple: true }), 'wal', 'WAL mode')
    const stored = new Set(db.prepare('SELECT event_id FROM clearance_events').pluck().all() as string[])

    const missing = ackedBatches.flatMap((b) => b.ids.filter((id) => !stored.has(id)))
    t.equal(missing.length, 0, `every acknowledged event is stored (${ackedBatches.length * BATCH} events)`)
    const partial = batches.filter((b) => {
      const present = b.ids.filter((id) => stored.has(id)).length
      return present !== 0 && present !== b.ids.length
    })
    t.equal(
      partial.length,
      0,
      `no half-written batch among ${batches.length} sent (${batches.length - ackedBatches.length} unacknowledged)`,
    )
    const sentIds = new Set(batches.flatMap((b) => b.ids))
    t.ok(
      [...stored].every((id) => sentIds.has(id)),
      'nothing stored that was not sent',
    )

    const ledger = new Set(db.prepare('SELECT jti FROM jti_ledger WHERE iss = ?').pluck().all(ISS) as string[])
    t.equal(
      ackedJtis.filter((j) => !ledger.has(j.jti)).length,
      0,
      `every acknowledged jti is in the ledger (${ackedJtis.length})`,
    )

    // Through the restarted server: acknowledged jtis are replays now; the stores agree.
    const kioskKey = kioskKeys[KIOSKS[0]!]!
    const replays = await Promise.all(
      ackedJtis.slice(0, 200).map((j) =>
        call(second.url, kioskKey, 'POST', '/v1/kiosk/jti', {
          iss: ISS,
          jti: j.jti,
          exp: Math.floor(Date.now() / 1000) + 600,
        }),
      ),
    )
    t.same(
      [...new Set(replays.map((r) => `${r.status} ${(r.body.error as { code?: string } | undefined)?.code}`))],
      ['409 TOKEN_REPLAYED'],
      'acknowledged jtis are rejected as replays after the restart',
    )
    const health = await call(second.url, operatorKey, 'GET', '/health')
    t.equal(health.status, 200, '/health 200 after the restart')
    t.equal(health.body.events, stored.size, '/health counts the same events as the file')
    const stats = await call(second.url, operatorKey, 'GET', '/v1/stats')
    t.equal(stats.body.events, stored.size, '/v1/stats counts the same events')

    // Twins: the restarted server takes new work, and re-sending an acknowledged batch is idempotent.
    const fresh = Array.from({ length: BATCH }, () => event(KIOSKS[0]!))
    t.same(
      (await call(second.url, kioskKey, 'POST', '/v1/kiosk/events', { events: fresh })).body,
      { accepted: BATCH, duplicates: 0 },
      'a new batch is accepted',
    )
    t.equal(
      (
        await call(second.url, kioskKey, 'POST', '/v1/kiosk/jti', {
          iss: ISS,
          jti: randomBytes(12).toString('base64url'),
          exp: Math.floor(Date.now() / 1000) + 600,
        })
      ).status,
      200,
      'a new jti is accepted',
    )
    const resent = ackedBatches[0]!
    const resend = await call(second.url, kioskKeys[resent.kioskId]!, 'POST', '/v1/kiosk/events', {
      events: resent.events,
    })
    t.same(resend.body, { accepted: 0, duplicates: BATCH }, 're-sending an acknowledged batch stores nothing twice')

    const exitedCleanly = new Promise((resolve) => second.child.once('exit', (code) => resolve(code)))
    second.child.kill('SIGTERM')
    t.equal(await exitedCleanly, 0, 'the restarted server closes cleanly')
  },
)
