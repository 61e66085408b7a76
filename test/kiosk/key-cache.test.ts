import t from 'tap'
import { KeyCache } from '../../kiosk-sim/key-cache.ts'
import { generateSigningKey, toPublicJwk } from '../../tokens/jwks.ts'

const key = generateSigningKey()

t.test('fresh after a fetch, stale after the maximum age, and kept when the server is down', async (t) => {
  let up = true
  let fetches = 0
  const cache = new KeyCache(async () => {
    fetches++
    if (!up) throw new Error('down')
    return { keys: [toPublicJwk(key)] }
  }, 1000)
  t.equal(cache.isFresh(0), false, 'no keys yet')
  await cache.refresh(0)
  t.equal(cache.isFresh(500), true)
  t.ok(cache.current.has(key.kid))
  await cache.refreshIfDue(400)
  t.equal(fetches, 1, 'not due before half the age')
  up = false
  await cache.refreshIfDue(600)
  t.equal(fetches, 2, 'due after half the age')
  t.equal(cache.isFresh(900), true, 'old keys still usable within the age')
  t.equal(cache.isFresh(1001), false, 'stale after the maximum age')
  t.ok(cache.current.has(key.kid), 'keys are kept, only their freshness lapses')
})
