// npm run keys -- rotate [--dir KEYS_DIR]: adds a signing key to the shared key directory. Servers reading that
// directory start signing with it within 10 s; the previous key keeps verifying for KEY_OVERLAP_SEC. The default
// directory is the server's: KEYS_DIR, else DATA_DIR/keys (data/keys).
import path from 'node:path'
import { parseArgs } from 'node:util'
import { addKeyToDirectory, loadKeyDirectory } from './keys/key-directory.ts'

const { positionals, values } = parseArgs({ allowPositionals: true, options: { dir: { type: 'string' } } })
if (positionals[0] !== 'rotate' && positionals[0] !== 'list') {
  process.stderr.write('usage: keys (rotate | list) [--dir KEYS_DIR] (default: KEYS_DIR, else DATA_DIR/keys)\n')
  process.exit(2)
}
const dir = values.dir || process.env.KEYS_DIR || path.join(process.env.DATA_DIR || 'data', 'keys')
if (positionals[0] === 'rotate') {
  const added = await addKeyToDirectory(dir)
  process.stdout.write(`added key ${added.kid}, signing from ${new Date(added.createdAt).toISOString()}\n`)
}
for (const key of (await loadKeyDirectory(dir)).sort((a, b) => a.createdAt - b.createdAt)) {
  process.stdout.write(`${key.kid}  ${new Date(key.createdAt).toISOString()}\n`)
}
