// npm run bench:server — the HTTP side without face work, on 127.0.0.1 only, for a bounded time:
// token issue (POST /v1/tokens) and clearance-event ingest (POST /v1/kiosk/events in batches).
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import autocannon from 'autocannon'
import { startEmbeddedServer } from '../kiosk-sim/embedded-server.ts'
import { OperatorClient } from '../kiosk-sim/scenario/operator-client.ts'
import { loadFixtureSet, fixturePath } from '../kiosk-sim/scenario/fixture-set.ts'

const DURATION_SEC = Number(process.env.BENCH_SECONDS ?? 10)
const BATCH = 500
// The bench measures capacity, so the per-credential rate limit is lifted for it.
const server = await startEmbeddedServer({
  kioskIds: ['bench-kiosk'],
  logLevel: 'error',
  env: { TOKEN_RATE_LIMIT_PER_MIN: '10000000' },
})
try {
  const fixtures = await loadFixtureSet('fixtures')
  const resident = fixtures.residents[0]!
  const credential = await new OperatorClient(server.url, server.operatorKey).enrol({
    ...resident,
    photo: await readFile(fixturePath(fixtures, resident.enrolPhoto)),
  })

  const tokensCpu = await serverCpuSeconds(server.url)
  const tokens = await run('token issue', {
    url: `${server.url}/v1/tokens`,
    method: 'POST',
    headers: { authorization: `Bearer ${credential}` },
    connections: 32,
    pipelining: 1,
  })

  const tokensCpuUsed = (await serverCpuSeconds(server.url)) - tokensCpu
  const eventsCpu = await serverCpuSeconds(server.url)
  const events = await run('event ingest', {
    url: `${server.url}/v1/kiosk/events`,
    method: 'POST',
    headers: { authorization: `Bearer ${server.kioskKeys['bench-kiosk']}`, 'content-type': 'application/json' },
    connections: 8,
    requests: [{ setupRequest: (request: object) => ({ ...request, body: JSON.stringify({ events: batch() }) }) }],
  })
  const eventsCpuUsed = (await serverCpuSeconds(server.url)) - eventsCpu
  const stats = (await new OperatorClient(server.url, server.operatorKey).stats()) as { events: number }

  console.log(
    `\nmachine: ${os.cpus().length} cores, ${os.cpus()[0]?.model}, node ${process.version}; ` +
      `${DURATION_SEC} s per route`,
  )
  console.log(
    `token issue:  ${tokens.requests.average.toFixed(0)} tokens/s, ` +
      `latency p50 ${tokens.latency.p50} ms, p99 ${tokens.latency.p99} ms, ` +
      `non-2xx ${tokens.non2xx} (target >= 5,000/s)`,
  )
  // The load generator shares the machine's cores with the server: the server's own CPU per request says what one
  // server core can do when the load comes from elsewhere.
  const usPerToken = (tokensCpuUsed * 1e6) / Math.max(1, tokens.requests.total)
  console.log(
    `              server CPU ${usPerToken.toFixed(0)} us per token: ` +
      `${(1e6 / usPerToken).toFixed(0)} tokens/s per server core; ` +
      `server busy ${((tokensCpuUsed / DURATION_SEC) * 100).toFixed(0)}% of one core`,
  )
  const eventsPerSec = (events.requests.average * BATCH).toFixed(0)
  console.log(
    `event ingest: ${eventsPerSec} events/s in batches of ${BATCH}, ` +
      `latency p50 ${events.latency.p50} ms, p99 ${events.latency.p99} ms, ` +
      `non-2xx ${events.non2xx} (target >= 20,000/s)`,
  )
  const usPerEvent = (eventsCpuUsed * 1e6) / Math.max(1, events.requests.total * BATCH)
  console.log(
    `              server CPU ${usPerEvent.toFixed(1)} us per event: ` +
      `${(1e6 / usPerEvent).toFixed(0)} events/s per server core; ` +
      `server busy ${((eventsCpuUsed / DURATION_SEC) * 100).toFixed(0)}% of one core`,
  )
  console.log(
    `events stored ${stats.events}; acknowledged with 2xx ${(events['2xx'] * BATCH).toFixed(0)} ` +
      `(batches still in flight when the timer stopped are stored but not counted)`,
  )
} finally {
  await server.stop()
}

function run(title: string, options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ ...options, duration: DURATION_SEC, title }, (error, result) =>
      error ? reject(error) : resolve(result),
    )
  })
}

/** The server process's CPU time (user + system), from its Prometheus metrics. */
async function serverCpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const match = /^process_cpu_seconds_total (\S+)$/m.exec(text)
  if (!match) throw new Error('process_cpu_seconds_total not in /metrics')
  return Number(match[1])
}

function batch() {
  const now = Date.now()
  return Array.from({ length: BATCH }, () => ({
    eventId: randomUUID(),
    kioskId: 'bench-kiosk',
    controlPoint: 'BENCH',
    channel: 'contactless',
    decision: 'APPROVE',
    reason: null,
    score: 0.8,
    modelVersion: 'human-faceres@3.3.6',
    kid: null,
    jtiHash: null,
    occurredAt: now,
    timings: { decodeMs: 7, verifyMs: 9, detectMs: 44, embedMs: 96, livenessMs: 9, matchMs: 0.1, totalMs: 170 },
  }))
}
