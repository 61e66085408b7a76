// The server's data folder (DATA_DIR): on the first start with nothing configured, the secrets the environment
// does not give are made here, one file each, readable by the owner only; later starts read them back. The
// database file and the signing key folder live here too unless DATABASE_PATH / DATABASE_URL / KEYS_DIR say
// otherwise.
import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'

/** The secrets that can come from the data folder, by the variable that would otherwise give them. */
export const DATA_DIR_SECRETS = {
  TEMPLATE_KEY: { file: 'template-key', make: () => randomBytes(32).toString('base64') },
  OPERATOR_KEYS: { file: 'operator-keys', make: () => `op_${randomBytes(24).toString('base64url')}` },
  // kiosk-1 is the kiosk CLI's default --kiosk-id.
  KIOSK_KEYS: { file: 'kiosk-keys', make: () => `kiosk-1:kk_${randomBytes(24).toString('base64url')}` },
} as const

export type DataDirSecret = keyof typeof DATA_DIR_SECRETS

export interface SecretFile {
  value: string
  file: string
  /** Made by this call (the first start); false when read back. */
  created: boolean
}

/** Makes the folder (mode 0700) if missing; an existing folder keeps its mode. */
export async function ensureDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
}

/**
 * Reads each named secret from its file in `dir`, making the file (mode 0600) with a fresh value when it is
 * missing. Two servers starting at once agree: the file is created exclusively, and the loser reads the winner's.
 */
export async function secretsFromDataDir(
  dir: string,
  names: readonly DataDirSecret[],
): Promise<Partial<Record<DataDirSecret, SecretFile>>> {
  const secrets: Partial<Record<DataDirSecret, SecretFile>> = {}
  if (names.length === 0) return secrets
  await ensureDataDir(dir)
  for (const name of names) {
    const { file: base, make } = DATA_DIR_SECRETS[name]
    const file = path.join(dir, base)
    const fresh = make()
    try {
      await writeFile(file, `${fresh}\n`, { mode: 0o600, flag: 'wx' })
      secrets[name] = { value: fresh, file, created: true }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      secrets[name] = { value: (await readFile(file, 'utf8')).trim(), file, created: false }
    }
  }
  return secrets
}

/** Creates an empty SQLite file with mode 0600 (SQLite gives its -wal and -shm files the same mode). */
export async function ensurePrivateFile(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  const handle = await open(file, 'a', 0o600)
  await handle.close()
}
