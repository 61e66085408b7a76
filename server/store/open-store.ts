import { PostgresStore } from './postgres-store.ts'
import { SqliteStore } from './sqlite-store.ts'
import type { Store } from './store.ts'

const POSTGRES_URL = /^postgres(ql)?:\/\//

/** PostgreSQL when a postgres:// (or postgresql://) URL is given, else the SQLite file. Call migrate() before use. */
export function openStore(config: { databasePath: string; databaseUrl?: string; databaseSchema?: string }): Store {
  if (config.databaseUrl !== undefined && POSTGRES_URL.test(config.databaseUrl)) {
    return new PostgresStore({
      connectionString: config.databaseUrl,
      ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
    })
  }
  return new SqliteStore(config.databasePath)
}
