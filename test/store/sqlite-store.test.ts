import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { SQLITE_MIGRATIONS } from '../../server/store/sqlite-migrations.ts'
import { SqliteStore } from '../../server/store/sqlite-store.ts'
import type { Store } from '../../server/store/store.ts'
import { storeContract } from './store-contract.ts'

// A real file (WAL needs one), a new one for every store; the directory goes with the test.
const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

const exec = async (store: Store, sql: string) => (store as unknown as { db: { exec(sql: string): void } }).db.exec(sql)

storeContract(
  t,
  'SQLite',
  async () => new SqliteStore(join(dir, `store-${++n}.db`)),
  exec,
  async (store, version) => {
    await exec(
      store,
      `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)
         STRICT`,
    )
    for (const migration of SQLITE_MIGRATIONS.filter((m) => m.version <= version)) {
      await exec(store, migration.sql)
      await exec(store, `INSERT INTO schema_migrations VALUES (${migration.version}, 'test', '2026-01-01T00:00:00Z')`)
    }
  },
)
