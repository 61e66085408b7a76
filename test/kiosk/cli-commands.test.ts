// Every kiosk-sim command, in process (no engine, no server): --help and --version exit 0; every option that takes
// a number refuses "abc" in at most three lines naming the flag and the expected value, exit 2; a value in range
// passes its check. Through the installed command: test/bin/kiosk-sim-bin.test.ts.
import type { Command } from 'commander'
import t from 'tap'
import { kioskSimCommands } from '../../kiosk-sim/commands.ts'
import { count, fraction, integerIn, listOf, numberIn, port, seconds } from '../../lib/cli/number-parsers.ts'
import { programOf, runProgram } from '../../lib/cli/run-program.ts'

async function cli(args: string[]) {
  let out = ''
  let err = ''
  const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s) }
  const code = await runProgram(programOf('kiosk-sim', 'test', kioskSimCommands()), args, io)
  return { code, out, err }
}

const commands: Command[] = kioskSimCommands()
const version = (await import('../../package.json', { with: { type: 'json' } })).default.version

t.test('--help and --version on the program and on every command: exit 0', async (t) => {
  t.same(
    commands.map((c) => c.name()),
    ['run', 'loadtest', 'simulate', 'serve', 'eval', 'pad-eval'],
  )
  for (const args of [[], ...commands.map((c) => [c.name()])]) {
    const help = await cli([...args, '--help'])
    t.equal(help.code, 0, `${args.join(' ')} --help`)
    t.match(help.out, new RegExp(`^Usage: kiosk-sim${args.length ? ` ${args[0]}` : ''} `))
    t.match(help.out, /Exit codes|Commands:/, 'says what the exit codes are, or lists the commands')
    const shown = await cli([...args, '--version'])
    t.same([shown.code, shown.out], [0, `${version}\n`], `${args.join(' ')} --version`)
  }
})

t.test('every option with a checked value refuses "abc": at most three lines naming the flag, exit 2', async (t) => {
  let checked = 0
  for (const command of commands) {
    for (const option of command.options) {
      if (!option.parseArg || !option.long) continue
      const { code, err } = await cli([command.name(), option.long, 'abc'])
      t.equal(code, 2, `${command.name()} ${option.long} abc: exit 2`)
      const lines = err.trimEnd().split('\n')
      t.ok(lines.length <= 3, `${lines.length} lines`)
      const start = `kiosk-sim ${command.name()}: option '${option.flags}' argument 'abc' is invalid. `
      t.ok(lines[0]!.startsWith(start) && /invalid\. (expected |Allowed choices are )/.test(lines[0]!), lines[0]!)
      checked++
    }
  }
  t.ok(checked >= 20, `${checked} checked options`)
})

t.test('out of range: loadtest --kiosks 0 names the range', async (t) => {
  const { code, err } = await cli(['loadtest', '--kiosks', '0', '--embedded'])
  t.equal(code, 2)
  t.match(err, "option '--kiosks <n>' argument '0' is invalid. expected a whole number from 1 to 16")
})

t.test('unknown command or flag: a suggestion, exit 2', async (t) => {
  const command = await cli(['runn'])
  t.equal(command.code, 2)
  t.match(command.err, /unknown command 'runn'\n\(Did you mean run\?\)/)
  const flag = await cli(['run', '--embeded'])
  t.equal(flag.code, 2)
  t.match(flag.err, /kiosk-sim run: unknown option '--embeded'\n\(Did you mean --embedded\?\)/)
})

t.test('missing or clashing flags: one line naming them, exit 2', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['run', '--embedded'], /give --fixtures DIR, or --camera \/ --video/],
    [['run', '--fixtures', 'fixtures'], /give --server URL \(with --kiosk-key\) or --embedded/],
    [
      ['run', '--fixtures', 'fixtures', '--server', 'http://x', '--kiosk-key', 'k', '--operator-key', ''],
      /--operator-key KEY/,
    ],
    [
      ['run', '--embedded', '--server', 'http://x', '--fixtures', 'f'],
      /'--embedded' cannot be used with option '--server/,
    ],
    [
      ['run', '--embedded', '--fixtures', 'nope-folder'],
      /--fixtures nope-folder: no residents\.json \(see fixtures\/README\.md\)/,
    ],
    [['loadtest'], /give --server URL\[,URL\.\.\.\] or --embedded/],
    [
      ['loadtest', '--server', 'http://x', '--operator-key', 'o', '--kiosk-keys', 'kiosk-1'],
      /"kiosk-1" is not kioskId:key/,
    ],
    [['serve', '--server', 'http://x'], /--kiosk-key KEY \(or KIOSK_KEY\) is required with --server/],
    [['eval'], /--dataset DIR is required/],
    [['simulate', '--svg', 'x.svg'], /--svg charts a sweep: add --sweep/],
  ]
  const saved = { OPERATOR_KEY: process.env.OPERATOR_KEY, KIOSK_KEY: process.env.KIOSK_KEY }
  delete process.env.OPERATOR_KEY
  delete process.env.KIOSK_KEY
  t.teardown(() => Object.assign(process.env, saved))
  for (const [args, message] of cases) {
    const { code, err } = await cli(args)
    t.equal(code, 2, `${args.join(' ')}: exit 2`)
    t.match(err, message)
    t.ok(err.trimEnd().split('\n').length <= 3, 'at most three lines')
  }
})

t.test('positive twins: values in range pass the same checks', async (t) => {
  t.equal(seconds('2.5'), 2.5)
  t.equal(count(16)('16'), 16)
  t.equal(integerIn()('-3'), -3)
  t.equal(fraction('0'), 0)
  t.equal(port('0'), 0)
  t.same(listOf(numberIn({ min: 0 }))('1,2.5,0'), [1, 2.5, 0])
  for (const [parse, text] of [
    [seconds, '0'],
    [count(16), '17'],
    [count(16), '1.5'],
    [integerIn(), '1e3'],
    [fraction, '1.01'],
    [port, '65536'],
    [numberIn(), 'Infinity'],
    [numberIn(), ' '],
  ] as const)
    t.throws(() => parse(text), { code: 'commander.invalidArgument' }, `${text} refused`)
  const simulate = await cli(['simulate', '--hours', '1', '--share', '0.5', '--contactless-gates', '4'])
  t.equal(simulate.code, 0, simulate.err)
  t.match(simulate.out, /^Control point: 1 h, /)
})
