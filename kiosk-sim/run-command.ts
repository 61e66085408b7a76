// `kiosk-sim run`: plays passengers through a kiosk. With --fixtures alone it plays the fixture passengers (QR on a
// phone, face frame) and checks each decision against the truth file; with --camera or --video it runs the live gate
// (live/live-command.ts). Definitions here are light: the kiosk and the face engine load only in the action.
import { Command, Option } from 'commander'
import { commandAction, ioOf, usageError } from '../lib/cli/run-program.ts'
import { count, integerIn, numberIn, seconds } from '../lib/cli/number-parsers.ts'
import { parseFaceBackend } from '../models/face-backend.ts'
import { addConnectionOptions, kioskServer } from './kiosk-options.ts'
import type { RunValues } from './run-values.ts'

export function runCommand(): Command {
  const command = new Command('run')
    .summary('play passengers through a kiosk: fixtures, a camera or video files')
    .description(
      'Plays passengers through a kiosk against a server (--server) or one of its own (--embedded). ' +
        'Fixtures: every decision is checked against the truth file. Live: --camera or --video, through ffmpeg.\n\n' +
        'Exit codes: 0 done, 1 a decision differed, events were refused or the run failed, 2 usage, 3 frame source.',
    )
  addConnectionOptions(command)
    .optionsGroup('Passengers and output:')
    .option('--fixtures <dir>', 'fixture set (residents.json, passengers.json; see fixtures/README.md)')
    .option('--log <file.jsonl>', 'decision log: one line per decision, with the run id', 'out/kiosk-decisions.jsonl')
    .option('--json <file>', 'write the run summary as JSON')
    .option('--outbox <file.db>', 'offline mode: a durable outbox, synced at the end (fixtures only)')
    .optionsGroup('Live gate (--camera or --video):')
    .addOption(new Option('--camera <device>', 'a V4L2 camera, e.g. /dev/video0').conflicts(['video', 'fixtures']))
    .option('--video <files>', 'video files (comma-separated), or with --fixtures the folder their clips go to')
    .option('--width <px>', 'frame width', integerIn({ min: 16, max: 4096 }), 640)
    .option('--height <px>', 'frame height', integerIn({ min: 16, max: 4096 }), 480)
    .option('--fps <n>', 'frames per second read', numberIn({ above: 0, max: 120 }), 10)
    .option('--gray', 'grey frames (cheaper decode)')
    .option('--realtime', 'play files at their own speed, as a camera would')
    .option('--frames-to-fuse <n>', 'face frames fused per decision', count(30), 3)
    .option('--face-window <seconds>', 'time after the QR to find the face', seconds, 4)
    .option('--hold <seconds>', 'time a decision stays on screen', seconds, 2)
    .option('--ffmpeg <path>', 'ffmpeg binary (default: the bundled one, else PATH)')
    .option('--frame-log <file.jsonl>', 'per-frame latency log', 'out/kiosk-frames.jsonl')
    // A source of still images cannot answer a challenge (implied by --fixtures).
    .option('--passive-only', 'no liveness challenge: the passive presentation check alone')
  return command.action(
    commandAction(async (values: RunValues, cmd: Command) => {
      const backend = parseFaceBackend(process.env.FACE_BACKEND)
      if (values.camera || values.video) {
        const { liveRun } = await import('./live/live-command.ts')
        return liveRun(values, cmd, backend)
      }
      if (!values.fixtures) usageError(cmd, 'give --fixtures DIR, or --camera / --video for the live gate')
      const { runFixturesCommand } = await import('./scenario/fixtures-command.ts')
      return runFixturesCommand(values, kioskServer(values, cmd, { operatorKey: true }), ioOf(cmd), backend, cmd)
    }),
  )
}
