// Tests that need PostgreSQL or Redis: on a machine without them, the file (or the subtest) is skipped with one
// line saying which service is missing and where; with REQUIRE_SERVICES=1 (CI) a missing service fails instead,
// so that a green CI run still means the PostgreSQL store and the shared state were tested.
import { connect } from 'node:net'
import type { Test } from 'tap'

export type Service = 'PostgreSQL' | 'Redis'

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

const DEFAULT_PORTS: Record<Service, number> = { PostgreSQL: 5432, Redis: 6379 }
const required = () => process.env.REQUIRE_SERVICES === '1'

/** The URL without its password, for a message. */
export const redactUrl = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')

/** null when a TCP connection to the service's host and port opens within 2 s; otherwise the cause. */
export function probeService(service: Service, url: string): Promise<string | null> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port) || DEFAULT_PORTS[service] })
    const done = (cause: string | null) => {
      socket.destroy()
      resolve(cause)
    }
    socket.setTimeout(2000, () => done('no answer within 2 s'))
    socket.once('connect', () => done(null))
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message))
  })
}

/**
 * Why the tests that need the service cannot run (a skip reason), or false when it is up. With REQUIRE_SERVICES=1
 * a missing service is also one failure in t, so the run is red.
 */
export async function serviceSkip(t: Test, service: Service, url: string): Promise<string | false> {
  const cause = await probeService(service, url)
  if (cause === null) return false
  const where = `${service} is not reachable at ${redactUrl(url)} (${cause})`
  if (required()) {
    t.fail(`${where}; REQUIRE_SERVICES=1 requires it`)
    return `${where} (required: failed)`
  }
  return `${where}: skipped (start it, or set ${service === 'Redis' ? 'TEST_REDIS_URL' : 'TEST_DATABASE_URL'})`
}

/**
 * For a file whose every test needs the service: when it is down, reports one skipped test (or one failure with
 * REQUIRE_SERVICES=1) and ends the file here, before its top-level code connects.
 */
export async function requireServiceForFile(t: Test, service: Service, url: string): Promise<void> {
  const skip = await serviceSkip(t, service, url)
  if (skip === false) return
  t.test(`tests that need ${service}`, { skip }, async () => {})
  t.end()
  process.exit(t.passing() ? 0 : 1)
}
