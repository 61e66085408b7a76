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

t.test('an unknown kid triggers one refetch, rate-limited', async (t) => {
  const rotated = generateSigningKey()
  let served = [toPublicJwk(key)]
  let fetches = 0
  const cache = new KeyCache(async () => (fetches++, { keys: served }), 60_000)
  await cache.refresh(0)
  t.equal(await cache.refreshForUnknownKid(rotated.kid, 10_000), false, 'too soon after the last fetch')
  t.equal(fetches, 1)
  served = [toPublicJwk(rotated), toPublicJwk(key)]
  t.equal(await cache.refreshForUnknownKid(rotated.kid, 40_000), true, 'refetched and found')
  t.equal(fetches, 2)
  t.equal(
    await cache.refreshForUnknownKid('forged-kid', 50_000),
    false,
    'a forged kid within the interval costs nothing',
  )
  t.equal(fetches, 2)
  t.equal(await cache.refreshForUnknownKid(key.kid, 90_000), false, 'a known kid needs no fetch')
  t.equal(fetches, 2)
})
