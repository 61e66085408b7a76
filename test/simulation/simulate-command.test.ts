// The simulate command end to end, in process: --from-loadtest takes the contactless service time from a load
// test's JSON (p50 plus walking time), and a broken file is a usage error, not a crash.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { programOf, runProgram } from '../../lib/cli/run-program.ts'
import { simulateCommand } from '../../kiosk-sim/simulation/simulate-command.ts'

const dir = await mkdtemp(path.join(tmpdir(), 'simulate-'))
t.teardown(() => rm(dir, { recursive: true, force: true }))

async function run(args: string[]) {
  let out = ''
  let err = ''
  const io = { out: (text: string) => void (out += text), err: (text: string) => void (err += text) }
  const code = await runProgram(programOf('kiosk-sim', '', [simulateCommand()]), ['simulate', ...args], io)
  return { code, out, err }
}

const base = ['--hours', '1', '--arrivals-per-hour', '3000', '--seed', '7']

t.test('--from-loadtest: the contactless service mean is the load test p50 plus the walking time', async (t) => {
  const loadtest = path.join(dir, 'loadtest.json')
  await writeFile(loadtest, JSON.stringify({ latencyMs: { total: { p50: 1500, p95: 2500 } } }))
  const json = path.join(dir, 'from-loadtest.json')
  const result = await run([...base, '--from-loadtest', loadtest, '--walk-sec', '4', '--json', json])
  t.equal(result.code, 0, result.err)
  t.match(result.out, /load test .*loadtest\.json: p50 1500 ms \+ 4 s walking/, 'the source is stated')
  const written = JSON.parse(await readFile(json, 'utf8'))
  t.equal(written.config.serviceSec.contactless.mean, 1.5, 'mean = p50 in seconds')
  t.equal(written.config.serviceSec.contactless.walkSec, 4, 'walking time as given')

  // Twin: a slower gate (p50 6 s) with the same seed and arrivals keeps its contactless gates busier.
  const slow = path.join(dir, 'slow.json')
  await writeFile(slow, JSON.stringify({ latencyMs: { total: { p50: 6000 } } }))
  const slowJson = path.join(dir, 'slow-out.json')
  t.equal((await run([...base, '--from-loadtest', slow, '--walk-sec', '4', '--json', slowJson])).code, 0)
  const slowResult = JSON.parse(await readFile(slowJson, 'utf8'))
  t.equal(slowResult.config.serviceSec.contactless.mean, 6)
  t.equal(slowResult.result.arrivals, written.result.arrivals, 'same seed, same arrivals')
  t.ok(
    slowResult.result.utilisation.contactless > written.result.utilisation.contactless * 1.3,
    `utilisation ${slowResult.result.utilisation.contactless.toFixed(3)} (10 s a passenger) > ` +
      `1.3 x ${written.result.utilisation.contactless.toFixed(3)} (5.5 s)`,
  )
})

t.test('--from-loadtest: a missing, non-JSON or p50-less file is a usage error (exit 2)', async (t) => {
  const notJson = path.join(dir, 'not.json')
  await writeFile(notJson, 'latency: fast')
  const noP50 = path.join(dir, 'no-p50.json')
  await writeFile(noP50, JSON.stringify({ latencyMs: { total: { p95: 10 } } }))
  const zero = path.join(dir, 'zero.json')
  await writeFile(zero, JSON.stringify({ latencyMs: { total: { p50: 0 } } }))
  const cases: Array<[string, RegExp]> = [
    [path.join(dir, 'absent.json'), /cannot read load-test file/],
    [notJson, /is not JSON/],
    [noP50, /no positive latencyMs\.total\.p50/],
    [zero, /no positive latencyMs\.total\.p50/],
  ]
  for (const [file, message] of cases) {
    const result = await run([...base, '--from-loadtest', file])
    t.equal(result.code, 2, `${path.basename(file)}: exit 2`)
    t.match(result.err, message)
  }
  const both = await run([...base, '--from-loadtest', noP50, '--contactless-sec', '7'])
  t.equal(both.code, 2, 'with --contactless-sec as well: exit 2')
  t.match(both.err, /'--contactless-sec <s>' cannot be used with option '--from-loadtest/)
  t.equal((await run([...base, '--walk-sec', '3'])).code, 2, '--walk-sec alone: exit 2')
})
