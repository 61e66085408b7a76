#!/usr/bin/env node
// kiosk-sim: the gate's command line (its commands are listed in commands.ts). `kiosk-sim <command> --help` for each;
// exit codes: 0 done, 1 failed, 2 usage, 3 frame source (live gate).
import { programOf, runProgram } from '../lib/cli/run-program.ts'
import { kioskSimCommands } from './commands.ts'

const KIOSK_SIM_DESCRIPTION =
  'Contactless e-Channel kiosk simulator: play passengers through a gate, load-test a server, simulate a control ' +
  'point, serve the kiosk screen, measure face accuracy.'

runProgram(programOf('kiosk-sim', KIOSK_SIM_DESCRIPTION, kioskSimCommands()), process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    // One line: a start-up check, a server that refused, a missing file. Stacks stay out of a user's terminal.
    process.stderr.write(`kiosk-sim: ${error.message}\n`)
    process.exit(1)
  },
)
