import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { addKeyToDirectory, loadKeyDirectory } from '../../server/keys/key-directory.ts'
import { keyRingAt, type DatedSigningKey } from '../../server/keys/key-ring.ts'
import { generateSigningKey } from '../../tokens/jwks.ts'

const dated = (createdAt: number): DatedSigningKey => ({ ...generateSigningKey(), createdAt })
const OVERLAP = 1000

t.test('the newest valid key signs; a superseded key is published during the overlap, then retired', async (t) => {
  const k1 = dated(0)
  const k2 = dated(5000)
  const future = dated(9000)
  const keys = [k2, k1, future]
  const before = keyRingAt(keys, 4000, OVERLAP)
  t.equal(before.active.kid, k1.kid, 'before rotation k1 signs')
  t.same(
    before.published.map((k) => k.kid),
    [k1.kid],
    'a key not yet valid is not published',
  )
  const during = keyRingAt(keys, 5500, OVERLAP)
  t.equal(during.active.kid, k2.kid, 'after rotation k2 signs')
  t.same(
    during.published.map((k) => k.kid),
    [k2.kid, k1.kid],
    'k1 still verifies during the overlap',
  )
  const after = keyRingAt(keys, 6000, OVERLAP)
  t.same(
    after.published.map((k) => k.kid),
    [k2.kid],
    'k1 retired after the overlap',
  )
  t.same(
    after.retired.map((k) => k.kid),
    [k1.kid],
  )
  t.throws(() => keyRingAt([future], 0, OVERLAP), /no signing key/)
})

t.test('key directory: add, reload, same kids; files are private', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'keys-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  t.same(await loadKeyDirectory(dir), [], 'empty directory')
  const a = await addKeyToDirectory(dir, 1_000_000_000_000)
  const b = await addKeyToDirectory(dir, 1_000_000_100_000)
  const loaded = (await loadKeyDirectory(dir)).sort((x, y) => x.createdAt - y.createdAt)
  t.same(
    loaded.map((k) => [k.kid, k.createdAt]),
    [
      [a.kid, a.createdAt],
      [b.kid, b.createdAt],
    ],
  )
  const files = (await import('node:fs/promises')).readdir(dir)
  for (const name of await files) t.equal((await stat(path.join(dir, name))).mode & 0o777, 0o600, `${name} is 0600`)
})
