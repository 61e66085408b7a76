import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { thumbprintKid } from '../../tokens/jwks.ts'
import type { DatedSigningKey } from './key-ring.ts'

// One PKCS#8 PEM per key, named by its start time: signing-<epoch ms>.pem. The directory is the key store;
// it is never the database and never the repository.
const KEY_FILE = /^signing-(\d{13})\.pem$/

export async function loadKeyDirectory(dir: string): Promise<DatedSigningKey[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => KEY_FILE.test(n))
  return Promise.all(
    names.map(async (name) => {
      const privateKey = createPrivateKey(await readFile(path.join(dir, name)))
      const publicKey = createPublicKey(privateKey)
      return { kid: thumbprintKid(publicKey), privateKey, publicKey, createdAt: Number(KEY_FILE.exec(name)![1]) }
    }),
  )
}

/** Adds a new P-256 key that starts signing at `startsAt` (default now); the file is readable by its owner only. */
export async function addKeyToDirectory(dir: string, startsAt = Date.now()): Promise<DatedSigningKey> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' })
  await writeFile(path.join(dir, `signing-${String(startsAt).padStart(13, '0')}.pem`), pem, { mode: 0o600, flag: 'wx' })
  return { kid: thumbprintKid(publicKey), privateKey, publicKey, createdAt: startsAt }
}
