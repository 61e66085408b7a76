// What `kiosk-sim serve` prints once it is up: plain lines with the URLs, the embedded server's operator key, and
// how to get a resident to the gate (curl lines), or the fixture resident's token command with --fixtures.
import t from 'tap'
import { startedLines } from '../../kiosk-sim/serve/serve-main.ts'

const base = {
  kiosk: 'http://127.0.0.1:8090',
  server: 'http://127.0.0.1:41234',
  kioskPage: 'http://127.0.0.1:41234/kiosk?kiosk=http%3A%2F%2F127.0.0.1%3A8090',
  dashboard: 'http://127.0.0.1:41234/dashboard',
}

t.test('embedded, nobody enrolled: the URLs, the operator key, and how to enrol one (a valid HKID)', async (t) => {
  const text = startedLines({ ...base, operatorKey: 'op_secret' }, true)
  t.match(text, /^kiosk {8}http:\/\/127\.0\.0\.1:8090 \(Ctrl-C stops it and its embedded server\)\n/)
  t.match(text, `kiosk page   ${base.kioskPage}`)
  t.match(text, 'operator key op_secret')
  t.match(text, /no resident is enrolled yet/)
  t.match(text, `curl -s ${base.server}/v1/residents -H "authorization: Bearer op_secret"`)
  t.match(text, "-F residentId='A123456(3)'")
  t.notMatch(text, /^\{/, 'not JSON')
})

t.test('against a running server: no operator key printed; $OPERATOR_KEY in the curl line', async (t) => {
  const text = startedLines({ ...base, operatorKey: 'op_secret' }, false)
  t.notMatch(text, /op_secret/, "a running server's key is not echoed")
  t.match(text, 'Bearer $OPERATOR_KEY')
})

t.test('with --fixtures: the residents are enrolled; the token command for the first one', async (t) => {
  const text = startedLines(
    {
      ...base,
      operatorKey: 'op_secret',
      enrolled: [
        { residentId: 'A123456(3)', credential: 'rc_one' },
        { residentId: 'B654321(0)', credential: 'rc_two' },
      ],
    },
    true,
  )
  t.match(text, 'enrolled 2 fixture residents; a QR code for A123456(3)')
  t.match(text, `curl -s -X POST ${base.server}/v1/tokens -H 'authorization: Bearer rc_one'`)
  t.notMatch(text, /no resident is enrolled yet/)
})
