import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import {
  MemoryFailureCounter,
  RedisFailureCounter,
  type FailureCounter,
} from '../../server/shared-state/failure-counter.ts'
import { serviceSkip, TEST_REDIS_URL as REDIS_URL } from '../helpers/require-service.ts'

const redisSkip = await serviceSkip(t, 'Redis', REDIS_URL)

/** What both counters must do: count per key within one window, apart from other keys. */
async function contract(t: Test, counter: FailureCounter, windowMs: number) {
  const key = `k-${randomUUID()}`
  t.same((await counter.count(key)).count, 0, 'nothing counted yet')
  t.equal((await counter.record(key)).count, 1, 'first failure')
  t.equal((await counter.record(key)).count, 2, 'second failure')
  const now = await counter.count(key)
  t.equal(now.count, 2, 'count reads without adding')
  t.ok(now.remainingMs > 0 && now.remainingMs <= windowMs, `the window has ${now.remainingMs} ms left`)
  t.equal((await counter.count(`other-${key}`)).count, 0, 'another key is apart')
}

t.test('memory: counts per key, and a new window starts at zero', async (t) => {
  const clock = { now: 1_000_000 }
  const counter = new MemoryFailureCounter(60_000, () => clock.now)
  await contract(t, counter, 60_000)
  await counter.record('a')
  clock.now += 60_000
  t.equal((await counter.count('a')).count, 0, 'the window ended')
  t.equal((await counter.record('a')).count, 1, 'a new window')
})

t.test('redis: the same behaviour, shared by instances, and the window expires', { skip: redisSkip }, async (t) => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect().catch((error: Error) => t.fail(`Redis is not reachable at ${REDIS_URL}: ${error.message}`))
  t.teardown(() => redis.quit())
  const prefix = `test-failures-${randomUUID()}:`
  await contract(t, new RedisFailureCounter(redis, 60_000, prefix), 60_000)
  const a = new RedisFailureCounter(redis, 300, prefix)
  const b = new RedisFailureCounter(redis, 300, prefix)
  await a.record('shared')
  t.equal((await b.record('shared')).count, 2, 'another instance adds to the same count')
  await new Promise((resolve) => setTimeout(resolve, 400))
  t.equal((await a.count('shared')).count, 0, 'the window expired in Redis')
})
