// No identity card number reaches a log line: the real app with its pino stream captured, resident routes called
// with every spelling of an HKID, an error whose message carries one. Twins: the routes answer as usual, and the
// lines for one resident carry one keyed reference (not the number) that ties them together.
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { buildApp } from '../../server/app.ts'
import { hkidCheckDigit } from '../../contract/hkid.ts'
import { logKeyFrom, residentLogRef } from '../../server/log-redaction.ts'
import { SqliteStore } from '../../server/store/sqlite-store.ts'
import type { Store } from '../../server/store/store.ts'
import { fakeFaceEngine, photoOf } from '../helpers/fake-engine.ts'
import { operator, testConfig } from '../helpers/test-app.ts'

const digits = '654321'
const check = hkidCheckDigit('K', digits)
const HKID = `K${digits}(${check})`
/** Every way the number can be written in a URL or a message. */
const SPELLINGS = [HKID, `K${digits}${check}`, `K${digits}%28${check}%29`, HKID.toLowerCase(), `${digits}(${check})`]

async function capturedApp(t: Test, store: Store) {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean))
      done()
    },
  })
  const config = testConfig()
  const app = await buildApp(config, { store, faceEngine: fakeFaceEngine(), logger: { level: 'trace', stream } })
  t.teardown(async () => {
    await app.close()
    await store.close()
  })
  return { app, lines, ref: residentLogRef(logKeyFrom(config.templateKey), HKID) }
}

t.test('resident routes: no HKID in any log line, in any spelling; one keyed reference per resident', async (t) => {
  const { app, lines, ref } = await capturedApp(t, new SqliteStore(':memory:'))
  const enrolled = await app.inject({
    method: 'POST',
    url: '/v1/residents',
    headers: operator,
    payload: { residentId: HKID, name: 'Chan Tai Man', dateOfBirth: '1990-05-01', photo: photoOf([{ axis: 1 }]) },
  })
  t.equal(enrolled.statusCode, 201, 'twin: enrolled')
  const calls: Array<[string, string, number]> = [
    ['GET', `/v1/residents/${encodeURIComponent(HKID)}`, 200],
    ['GET', `/v1/residents/K${digits}${check}`, 200],
    ['GET', `/v1/residents/${HKID.toLowerCase()}`, 200],
    ['GET', `/v1/residents/${HKID}?note=${encodeURIComponent(HKID)}`, 200],
    ['POST', `/v1/residents/${encodeURIComponent(HKID)}/credential`, 200],
    ['DELETE', `/v1/residents/${encodeURIComponent(HKID)}`, 200],
    ['GET', `/v1/residents/K${digits}(${(Number(check) + 1) % 10})`, 400],
    ['GET', `/v1/residents/${encodeURIComponent(HKID)}Z`, 400],
    ['GET', `/v1/stats?kioskId=${encodeURIComponent(HKID)}`, 400],
  ]
  for (const [method, url, status] of calls) {
    const res = await app.inject({ method: method as 'GET', url, headers: operator })
    t.equal(res.statusCode, status, `${method} ${url.slice(0, 30)}: ${status}`)
  }
  t.ok(lines.length > calls.length, `${lines.length} log lines captured`)
  for (const spelling of SPELLINGS) {
    const leaked = lines.filter((line) => line.toLowerCase().includes(spelling.toLowerCase()))
    t.same(leaked, [], `no line holds ${spelling}`)
  }
  const urls = lines.map((line) => JSON.parse(line).req?.url as string | undefined).filter(Boolean)
  t.ok(urls.includes(`/v1/residents/${ref}`), 'the id is logged as its keyed reference')
  t.ok(urls.includes(`/v1/residents/${ref}/credential`), 'also under /credential')
  t.equal(urls.filter((u) => u!.includes(ref)).length, 6, 'every spelling of one number gives one reference')
})

t.test('an error that carries an HKID is logged without it', async (t) => {
  const store = new SqliteStore(':memory:')
  const broken = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'getResident')
        return async (id: string) => {
          throw Object.assign(new Error(`row for ${id} is unreadable`), { detail: `Key (resident_id)=(${id})` })
        }
      const value = Reflect.get(target, prop, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  const { app, lines } = await capturedApp(t, broken)
  const res = await app.inject({ method: 'GET', url: `/v1/residents/${encodeURIComponent(HKID)}`, headers: operator })
  t.equal(res.statusCode, 500, 'the store failed')
  const errorLine = lines.map((line) => JSON.parse(line)).find((entry) => entry.err)
  t.ok(errorLine, 'the failure is logged (twin: the error itself is kept)')
  t.match(errorLine?.err?.message, /row for \[hkid\] is unreadable/, 'its message, masked')
  t.match(errorLine?.err?.detail, /\[hkid\]/, 'its detail, masked')
  for (const spelling of SPELLINGS)
    t.notOk(
      lines.some((line) => line.toLowerCase().includes(spelling.toLowerCase())),
      `no line holds ${spelling}`,
    )
})
