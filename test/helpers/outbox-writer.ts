// Child process for the outbox crash test: appends decisions until killed, printing "seq hash" after each
// append has returned (that is, once the kiosk would have opened the gate).
import { syntheticClaim, syntheticEvent } from '../../kiosk-sim/loadtest/synthetic-outbox.ts'
import { KioskOutbox } from '../../kiosk-sim/offline/outbox.ts'

const [path, kioskId] = process.argv.slice(2) as [string, string]
const outbox = new KioskOutbox(path, kioskId)
for (let i = 1; ; i++) {
  const claim = i % 7 === 0 ? syntheticClaim() : null
  const entry = outbox.append(syntheticEvent(kioskId, Date.now(), claim), claim)
  process.stdout.write(`${entry.seq} ${entry.hash}\n`)
  // Let the parent read (and kill) between appends.
  if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve))
}
