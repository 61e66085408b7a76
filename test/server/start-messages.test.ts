// What a failed start says: one line per problem a person can fix, null (the stack) for a bug.
import t from 'tap'
import { ConfigError } from '../../server/config-error.ts'
import type { ServerSettings } from '../../server/env-config.ts'
import { configuredUrl, firstStartNotice, startFailure } from '../../server/start-messages.ts'

const settings = (database = '/srv/data/echannel.db', databaseIsFile = true) =>
  ({
    listen: { host: '127.0.0.1', port: 8080 },
    sources: { templateKey: 'TEMPLATE_KEY', database, databaseIsFile },
  }) as ServerSettings

t.test('problems a person can fix: one line each, naming the variable', async (t) => {
  t.same(startFailure(new ConfigError(['PORT: must be an integer 0..65535, got "x"', 'KIOSK_KEYS: bad']), null), [
    'cannot start: 2 configuration problems:',
    '  PORT: must be an integer 0..65535, got "x"',
    '  KIOSK_KEYS: bad',
  ])
  t.same(startFailure(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }), settings()), [
    'cannot start: PORT 8080 is in use on 127.0.0.1: stop what listens there, or set PORT',
  ])
  const wrongKey = Object.assign(new Error('a stored template failed its integrity check'), {
    code: 'TEMPLATE_UNREADABLE',
  })
  t.same(startFailure(wrongKey, settings()), [
    'cannot start: TEMPLATE_KEY does not open the templates in /srv/data/echannel.db: use the key they were sealed ' +
      'with, or start a new database (move /srv/data/echannel.db away)',
  ])
  t.match(startFailure(wrongKey, settings('DATABASE_URL', false)), [/in DATABASE_URL: .*DATABASE_SCHEMA\)$/])
})

t.test('anything else is a bug: no line, the caller shows the stack', async (t) => {
  t.equal(startFailure(new TypeError('x is undefined'), settings()), null)
  t.equal(startFailure(Object.assign(new Error('busy'), { code: 'EADDRINUSE' }), null), null)
})

t.test('the first-start notice shows the new keys and how to run a kiosk with them', async (t) => {
  const notice = firstStartNotice(
    { dataDir: '/srv/data', made: ['template-key', 'operator-keys'], operatorKey: 'op_1', kioskKeys: 'kiosk-1:kk_2' },
    'http://127.0.0.1:8080',
  )
  t.match(notice, /made template-key, operator-keys in \/srv\/data/)
  t.match(notice, /export OPERATOR_KEY=op_1 KIOSK_KEY=kk_2\n/)
  t.match(notice, /--server http:\/\/127\.0\.0\.1:8080 --kiosk-id kiosk-1 --fixtures fixtures\n/)
  const templateOnly = firstStartNotice({ dataDir: '/d', made: ['template-key'] }, 'http://127.0.0.1:1')
  t.notMatch(templateOnly, /OPERATOR_KEY/, 'no kiosk command without new keys to put in it')
  t.equal(configuredUrl({ listen: { host: '0.0.0.0', port: 80 } }), 'http://127.0.0.1:80')
  t.equal(configuredUrl({ listen: { host: '::', port: 80 } }), 'http://[::1]:80')
})
