import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { MemoryIssuedTokens, RedisIssuedTokens, type IssuedTokens } from '../../server/shared-state/issued-tokens.ts'
import { serviceSkip, TEST_REDIS_URL as REDIS_URL } from '../helpers/require-service.ts'

const redisSkip = await serviceSkip(t, 'Redis', REDIS_URL)

async function contract(t: Test, cache: IssuedTokens, clock: { now: number }) {
  const live = {
    jti: `jti-live-${Math.random()}`,
    subject: 's1',
    token: 'a.b.c',
    expiresAtSec: Math.floor(clock.now / 1000) + 120,
  }
  await cache.put(live)
  t.same(await cache.get(live.jti), live, 'a live token is found')
  t.equal(await cache.get('unknown-jti'), null, 'an unknown one is not')
  const past = { ...live, jti: `jti-past-${Math.random()}`, expiresAtSec: Math.floor(clock.now / 1000) - 1 }
  await cache.put(past)
  t.equal(await cache.get(past.jti), null, 'an expired token is never returned')
}

t.test('memory: live tokens found, expired ones swept', async (t) => {
  const clock = { now: 1_800_000_000_000 }
  const cache = new MemoryIssuedTokens(() => clock.now)
  await contract(t, cache, clock)
  clock.now += 200_000
  await cache.put({ jti: 'later', subject: 's', token: 't', expiresAtSec: Math.floor(clock.now / 1000) + 60 })
  t.equal(cache.size, 1, 'the sweep dropped expired tokens')
})

t.test('redis: the same behaviour, shared by instances', { skip: redisSkip }, async (t) => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect().catch((error: Error) => t.fail(`Redis is not reachable at ${REDIS_URL}: ${error.message}`))
  t.teardown(() => redis.quit())
  const clock = { now: Date.now() }
  await contract(t, new RedisIssuedTokens(redis, () => clock.now), clock)
  const other = new RedisIssuedTokens(redis)
  const token = {
    jti: `shared-${Math.random()}`,
    subject: 's',
    token: 'x.y.z',
    expiresAtSec: Math.floor(Date.now() / 1000) + 30,
  }
  await new RedisIssuedTokens(redis).put(token)
  t.same(await other.get(token.jti), token, 'another instance sees it')
  t.ok((await redis.pttl(`issued:${token.jti}`)) <= 30_000, 'Redis expires it with the token')
})
