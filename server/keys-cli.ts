// npm run keys -- rotate [--dir KEYS_DIR]: adds a signing key to the shared key directory. Servers reading that
// directory start signing with it within 10 s; the previous key keeps verifying for KEY_OVERLAP_SEC. The default
// directory is the server's: KEYS_DIR, else DATA_DIR/keys (data/keys).
import path from 'node:path'
import { Command } from 'commander'
import { commandAction, ioOf, programOf, runProgram } from '../lib/cli/run-program.ts'
import { addKeyToDirectory, loadKeyDirectory } from './keys/key-directory.ts'

const DIR_HELP = 'key directory (default: KEYS_DIR, else DATA_DIR/keys, else data/keys)'
const keyDir = (dir?: string) => dir || process.env.KEYS_DIR || path.join(process.env.DATA_DIR || 'data', 'keys')

async function list(command: Command, dir: string): Promise<number> {
  for (const key of (await loadKeyDirectory(dir)).sort((a, b) => a.createdAt - b.createdAt))
    ioOf(command).out(`${key.kid}  ${new Date(key.createdAt).toISOString()}\n`)
  return 0
}

const rotate = new Command('rotate')
  .description('add a signing key; servers sign with it within 10 s, the previous one verifies for KEY_OVERLAP_SEC')
  .option('--dir <dir>', DIR_HELP)
  .action(
    commandAction(async (values: { dir?: string }, command: Command) => {
      const dir = keyDir(values.dir)
      const added = await addKeyToDirectory(dir)
      ioOf(command).out(`added key ${added.kid}, signing from ${new Date(added.createdAt).toISOString()}\n`)
      return list(command, dir)
    }),
  )

const listKeys = new Command('list')
  .description('list the signing keys in the directory, oldest first')
  .option('--dir <dir>', DIR_HELP)
  .action(commandAction(async (values: { dir?: string }, command: Command) => list(command, keyDir(values.dir))))

const program = programOf('keys', 'Signing keys of the token service (ES256, shared by the server instances).', [
  rotate,
  listKeys,
])

runProgram(program, process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`keys: ${error.message}\n`)
    process.exit(1)
  },
)
