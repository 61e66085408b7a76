import { randomBytes } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { POSTGRES_MIGRATIONS } from '../../server/store/postgres-migrations.ts'
import { PostgresStore } from '../../server/store/postgres-store.ts'
import type { Store } from '../../server/store/store.ts'
import { storeContract } from './store-contract.ts'
import { redactUrl, requireServiceForFile, TEST_DATABASE_URL as url } from '../helpers/require-service.ts'

await requireServiceForFile(t, 'PostgreSQL', url)
// A schema per store of this run, all dropped at the end: runs in parallel and leftovers of a crashed run do not meet.
const run = `store_test_${randomBytes(6).toString('hex')}`
const schemas: string[] = []
const admin = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5_000 })
admin.on('error', () => {})

try {
  await admin.query('SELECT 1')
} catch (error) {
  // Fail, not skip: a green run must mean the PostgreSQL store was tested.
  t.fail(`PostgreSQL is not reachable at ${redactUrl(url)} (set TEST_DATABASE_URL): ${(error as Error).message}`)
}

t.teardown(async () => {
  try {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await admin.end()
  }
})

const query = (store: Store, sql: string) =>
  (store as unknown as { pool: { query(sql: string): Promise<unknown> } }).pool.query(sql)

if (t.passing()) {
  storeContract(
    t,
    'PostgreSQL',
    async () => {
      const schema = `${run}_${schemas.length + 1}`
      schemas.push(schema)
      return new PostgresStore({ connectionString: url, schema, connectionTimeoutMillis: 5_000 })
    },
    query,
    async (store, version) => {
      await query(store, `CREATE SCHEMA ${(store as unknown as { schema: string }).schema}`)
      await query(
        store,
        `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now())`,
      )
      for (const migration of POSTGRES_MIGRATIONS.filter((m) => m.version <= version)) {
        await query(store, migration.sql)
        await query(store, `INSERT INTO schema_migrations VALUES (${migration.version}, 'test', now())`)
      }
    },
  )
}
