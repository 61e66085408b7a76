// The kiosk-sim commands, in the order help lists them. Each module exports a function returning its commander
// Command (options, help, action; heavy modules load only in the action): a new command is one import and one entry.
import type { Command } from 'commander'
import { evalCommand } from './eval/eval-command.ts'
import { loadtestCommand } from './loadtest/loadtest-command.ts'
import { padEvalCommand } from './pad-eval/pad-eval-command.ts'
import { runCommand } from './run-command.ts'
import { serveCommand } from './serve/serve-command.ts'
import { simulateCommand } from './simulation/simulate-command.ts'

export function kioskSimCommands(): Command[] {
  return [runCommand(), loadtestCommand(), simulateCommand(), serveCommand(), evalCommand(), padEvalCommand()]
}
