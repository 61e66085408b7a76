// `kiosk-sim loadtest`: several kiosks, each in its worker thread, clear a planned stream of passengers against a
// server (--server) or one of its own (--embedded). The definition is light; the engine loads in the action.
import { existsSync } from 'node:fs'
import { Command, InvalidArgumentError, Option } from 'commander'
import { commandAction, ioOf, usageError } from '../../lib/cli/run-program.ts'
import { count, integerIn, numberIn, seconds } from '../../lib/cli/number-parsers.ts'
import { parseFaceBackend } from '../../models/face-backend.ts'
import { parseMix, type Mix } from './passenger-plan.ts'
import { padDatasetFor } from './pad-dataset.ts'

interface LoadtestValues {
  server?: string
  embedded?: boolean
  operatorKey?: string
  kioskKeys?: string
  kiosks: number
  duration?: number
  passengers?: number
  mix?: Mix
  contactlessShare: number
  seed: number
  fixtures: string
  json?: string
  html?: string
  padDataset?: string
}

function mixOption(text: string): Mix {
  try {
    return parseMix(text)
  } catch (error) {
    throw new InvalidArgumentError(`expected scenario=weight,... (${(error as Error).message})`)
  }
}

function kioskKeyPairs(text: string, command: Command): Record<string, string> {
  const pairs = text.split(',').filter(Boolean)
  const bad = pairs.find((pair) => pair.indexOf(':') < 1)
  if (bad !== undefined) usageError(command, `--kiosk-keys: "${bad.split(':')[0]}" is not kioskId:key`)
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)]))
}

export function loadtestCommand(): Command {
  return new Command('loadtest')
    .summary('measure clearances per second with several kiosks at once')
    .description(
      'Several kiosks (worker threads) clear a planned mix of passengers against --server or an --embedded ' +
        'server.\n\n' +
        'Exit codes: 0 completed with no lost events, 1 lost events or a worker failed, 2 usage.',
    )
    .optionsGroup('Server:')
    .option('--server <urls>', 'running servers, comma-separated (kiosks are spread over them)')
    .addOption(new Option('--embedded', 'start a server of its own').conflicts('server'))
    .addOption(new Option('--operator-key <key>', 'operator key on --server').env('OPERATOR_KEY'))
    .addOption(
      new Option('--kiosk-keys <pairs>', 'load-kiosk-1:key,...,conventional-gates:key on --server').env('KIOSK_KEYS'),
    )
    .optionsGroup('Load:')
    .option('--kiosks <n>', 'kiosks working in parallel', count(16), 2)
    .option('--duration <seconds>', 'length of the run (default 60 unless --passengers)', seconds)
    .option('--passengers <n>', 'number of passengers instead of a duration', count())
    .option('--mix <weights>', 'scenario weights, e.g. genuine=0.9,impostor=0.1', mixOption)
    .option(
      '--contactless-share <share>',
      'share of passengers using the contactless channel',
      numberIn({ above: 0, max: 1, what: 'a share' }),
      0.32,
    )
    .option('--seed <n>', 'seed of the passenger plan', integerIn(), 1)
    .option('--fixtures <dir>', 'fixture set the passengers come from', 'fixtures')
    .option('--pad-dataset <dir>', 'PAD set whose printed photos the spoofs show (default: ../shared/pad by the repo)')
    .optionsGroup('Output:')
    .option('--json <file>', 'write the report as JSON')
    .option('--html <file>', 'write the report as an HTML page with charts')
    .action(
      commandAction(async (values: LoadtestValues, command: Command) => {
        if (!values.server && !values.embedded) usageError(command, 'give --server URL[,URL...] or --embedded')
        const server = values.server
          ? {
              urls: values.server.split(','),
              operatorKey: values.operatorKey ?? '',
              kioskKeys: kioskKeyPairs(values.kioskKeys ?? '', command),
            }
          : null
        if (server && !server.operatorKey)
          usageError(command, '--operator-key KEY (or OPERATOR_KEY) is required with --server')
        let pad: ReturnType<typeof padDatasetFor>
        try {
          pad = padDatasetFor(values.padDataset, existsSync)
        } catch (error) {
          usageError(command, (error as Error).message)
        }
        if (pad.notice) ioOf(command).err(`${pad.notice}\n`)
        const { runLoadtestCommand } = await import('./loadtest-main.ts')
        return runLoadtestCommand(
          {
            server,
            kiosks: values.kiosks,
            passengers: values.passengers,
            durationSec: values.duration ?? (values.passengers ? undefined : 60),
            mix: values.mix,
            contactlessShare: values.contactlessShare,
            seed: values.seed,
            fixturesDir: values.fixtures,
            padDataset: pad.dataset,
            json: values.json,
            html: values.html,
          },
          ioOf(command),
          parseFaceBackend(process.env.FACE_BACKEND),
        )
      }),
    )
}
