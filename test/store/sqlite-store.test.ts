import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { SqliteStore } from '../../server/store/sqlite-store.ts'
import { storeContract } from './store-contract.ts'

// A real file (WAL needs one), a new one for every store; the directory goes with the test.
const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

storeContract(
  t,
  'SQLite',
  async () => new SqliteStore(join(dir, `store-${++n}.db`)),
  async (store, sql) => (store as unknown as { db: { exec(sql: string): void } }).db.exec(sql),
)
