import t from 'tap'
import { RevocationCache } from '../../kiosk-sim/offline/revocation-cache.ts'
import { TemplateCache } from '../../kiosk-sim/offline/template-cache.ts'

const template = (n: number) => ({ model: { name: 'm', version: '1' }, embedding: Float32Array.of(n) })

t.test('template cache: bounded, least recently used out, forget', async (t) => {
  const cache = new TemplateCache(2)
  cache.put('a', template(1))
  cache.put('b', template(2))
  t.equal(cache.get('a')?.embedding[0], 1, 'a read marks a as recent')
  cache.put('c', template(3))
  t.equal(cache.get('b'), null, 'b, the least recently used, left')
  t.equal(cache.get('a')?.embedding[0], 1, 'twin: a stayed')
  t.equal(cache.size, 2)
  cache.forget('a')
  t.equal(cache.get('a'), null, 'forgotten')
})

t.test(
  'revocation cache: a fetch sets the list and the clock contact; failures keep the old list and are throttled',
  async (t) => {
    let monotonic = 1_000
    let fetches = 0
    let fail = false
    const cache = new RevocationCache(
      async () => {
        fetches++
        if (fail) throw new Error('down')
        return { generatedAt: 1_800_000_000_000 + fetches, revokedSubjects: ['sub-revoked-1'] }
      },
      () => monotonic,
      60_000,
      10_000,
    )
    t.equal(cache.contact, null, 'no contact before the first fetch')
    await cache.refreshIfDue()
    t.same(cache.contact, { serverTimeMs: 1_800_000_000_001, monotonicMs: 1_000 })
    t.ok(cache.isRevoked('sub-revoked-1'))
    t.notOk(cache.isRevoked('sub-active-01'), 'twin: not listed')
    monotonic += 30_000
    await cache.refreshIfDue()
    t.equal(fetches, 1, 'fresh: no refetch')
    monotonic += 31_000
    fail = true
    await cache.refreshIfDue()
    t.equal(fetches, 2, 'due: refetched')
    t.equal(cache.generatedAt, 1_800_000_000_001, 'a failed fetch keeps the old list')
    await cache.refreshIfDue()
    t.equal(fetches, 2, 'and the next attempt waits for the retry interval')
    monotonic += 10_000
    fail = false
    t.equal(await cache.refresh(), true)
    t.equal(cache.generatedAt, 1_800_000_000_003, 'a later fetch replaces it')
  },
)
