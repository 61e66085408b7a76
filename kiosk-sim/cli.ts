#!/usr/bin/env node
// kiosk-sim: the gate's command line. Each command module exports a function returning its commander Command (its
// options, its help, its action; heavy modules load only in the action). A new command is one import and one entry
// in COMMANDS. `kiosk-sim <command> --help` for each; exit codes: 0 done, 1 failed, 2 usage, 3 frame source.
import { evalCommand } from './eval/eval-command.ts'
import { loadtestCommand } from './loadtest/loadtest-command.ts'
import { programOf, runProgram } from '../lib/cli/run-program.ts'
import { runCommand } from './run-command.ts'
import { serveCommand } from './serve/serve-command.ts'
import { simulateCommand } from './simulation/simulate-command.ts'

const COMMANDS = [runCommand(), loadtestCommand(), simulateCommand(), serveCommand(), evalCommand()]

const program = programOf(
  'kiosk-sim',
  'Contactless e-Channel kiosk simulator: play passengers through a gate, load-test a server, simulate a control ' +
    'point, serve the kiosk screen, measure face accuracy.',
  COMMANDS,
)

runProgram(program, process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    // One line: start-up checks, a server that refused, a missing file. Stacks stay out of a user's terminal.
    process.stderr.write(`kiosk-sim: ${error.message}\n`)
    process.exit(1)
  },
)
