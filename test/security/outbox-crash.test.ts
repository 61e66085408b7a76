// kill -9 a kiosk while it writes decisions: every append that returned (the gate would have opened) must
// survive in the outbox file, the chain must verify from genesis, and the next append must continue it.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { genesisHash, verifyRun } from '../../lib/outbox-chain.ts'
import { syntheticEvent } from '../../kiosk-sim/loadtest/synthetic-outbox.ts'
import { KioskOutbox } from '../../kiosk-sim/offline/outbox.ts'
import { syncOutbox } from '../../kiosk-sim/offline/outbox-sync.ts'
import { KioskServerClient } from '../../kiosk-sim/kiosk-server-client.ts'
import { buildTestApp, KIOSK_ID, KIOSK_KEY } from '../helpers/test-app.ts'

const WRITER = fileURLToPath(new URL('../helpers/outbox-writer.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'outbox-crash-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test(
  'SIGKILL while appending: every returned append survives, the chain verifies and continues, and syncs whole',
  async (t) => {
    const path = join(dir, 'outbox.db')
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, KIOSK_ID], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    t.teardown(() => void (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')))
    const returned = new Map<number, string>()
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('writer too slow')), 60_000)
      child.once('exit', (code) => reject(new Error(`writer exited early (${code})`)))
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const [seq, hash] = line.split(' ')
        returned.set(Number(seq), hash!)
        if (returned.size === 400) {
          clearTimeout(timer)
          child.removeAllListeners('exit')
          child.kill('SIGKILL')
          resolve()
        }
      })
    })
    await new Promise((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve),
    )
    t.equal(child.signalCode, 'SIGKILL', 'killed mid-flow')

    const outbox = new KioskOutbox(path, KIOSK_ID)
    t.teardown(() => outbox.close())
    const head = outbox.head()
    const all = outbox.entries(1, head.seq)
    t.ok(head.seq >= 400, `head ${head.seq} covers the ${returned.size} appends that returned`)
    t.equal(all.length, head.seq, 'no hole')
    t.ok(
      [...returned].every(([seq, hash]) => all[seq - 1]?.hash === hash),
      'every returned append is there, unchanged',
    )
    t.equal(all[0]!.prevHash, genesisHash(KIOSK_ID))
    t.equal(verifyRun(all), null, 'the chain verifies from genesis')
    const next = outbox.append(syntheticEvent(KIOSK_ID, Date.now()), null)
    t.same([next.seq, next.prevHash], [head.seq + 1, head.hash], 'the next append continues the chain')

    const { app, store } = await buildTestApp(t)
    const report = await syncOutbox(
      outbox,
      new KioskServerClient(await app.listen({ port: 0, host: '127.0.0.1' }), KIOSK_KEY),
    )
    t.same(report.acknowledged, outbox.head(), 'synced to the head')
    t.equal(await store.countEvents(), head.seq + 1, 'every entry stored once')
  },
)
