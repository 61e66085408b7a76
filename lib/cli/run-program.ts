// Runs a commander program the same way for every command line of the project: --help and --version on every
// command (exit 0), usage errors in at most three lines that name the flag (exit 2), and the exit code the
// command's action returns. Output goes through an io pair, so tests can run a command in process.
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'

export interface CliIo {
  out(text: string): void
  err(text: string): void
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
}

/** Exit code of a usage error: a flag that is unknown, missing, or has a value out of its range. */
export const USAGE_EXIT = 2

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

interface RunState {
  io: CliIo
  exitCode: number
}
const states = new WeakMap<Command, RunState>()

function root(command: Command): Command {
  let at = command
  while (at.parent) at = at.parent
  return at
}

function commandPath(command: Command): string {
  const names: string[] = []
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name())
  return names.join(' ')
}

/** The io the running program writes to (an action's own output goes here too). */
export function ioOf(command: Command): CliIo {
  return states.get(root(command))?.io ?? processIo
}

/** Wraps an action that resolves with its exit code (0 done, 1 failed, 2 usage, 3 a missing frame source...). */
export function commandAction<O>(
  run: (options: O, command: Command) => Promise<number>,
): (options: O, command: Command) => Promise<void> {
  return async (options, command) => {
    const code = await run(options, command)
    const state = states.get(root(command))
    if (state) state.exitCode = code
  }
}

/** A usage error found in an action (flags that go together, a missing choice): one line, exit 2. */
export function usageError(command: Command, message: string): never {
  return command.error(message, { exitCode: USAGE_EXIT, code: 'cli.usage' })
}

/** A program of subcommands: each command module exports a function that returns its Command. */
export function programOf(name: string, description: string, commands: readonly Command[]): Command {
  const program = new Command(name)
    .description(description)
    .addHelpText(
      'after',
      `\nExit codes: 0 done, 1 failed, ${USAGE_EXIT} usage. \`${name} <command> --help\` for each command.`,
    )
  for (const command of commands) program.addCommand(command)
  return program
}

/** Applies the shared behaviour to a command and all its subcommands. */
function configure(command: Command, io: CliIo): void {
  const name = commandPath(command)
  command
    .exitOverride()
    .showSuggestionAfterError(true)
    .showHelpAfterError(`(${name} --help for usage)`)
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      // "kiosk-sim run: unknown option '--embeded'", and the same prefix on an action's own usage errors.
      outputError: (text, write) => write(`${name}: ${text.replace(/^error: /, '')}`),
    })
  // In the last group of the help, next to --help, not in the command's own last group.
  if (!command.options.some((option) => option.long === '--version'))
    command.optionsGroup('Options:').version(VERSION, '-V, --version')
  for (const sub of command.commands) configure(sub, io)
}

/** Parses argv (without node and the script) and runs the chosen command; resolves with the exit code. */
export async function runProgram(program: Command, argv: readonly string[], io: CliIo = processIo): Promise<number> {
  configure(program, io)
  const state: RunState = { io, exitCode: 0 }
  states.set(program, state)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return state.exitCode
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error
    // Help and version exit 0; every other commander error is a usage error.
    return error.exitCode === 0 ? 0 : USAGE_EXIT
  }
}
