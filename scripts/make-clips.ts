// Makes a camera clip per fixture passenger, with tokens freshly issued by a server, plus a manifest.
//   node --import tsx scripts/make-clips.ts (--server URL --operator-key KEY | --embedded [--keep-running])
//        [--fixtures fixtures] [--out out/clips] [--format y4m|mp4|mkv|avi] [--fps 10] [--width 640 --height 480]
//        [--only p01,p08] [--no-tailgate] [--no-swap]
// Tokens live TOKEN_LIFETIME_SEC (120 s by default) on the server that issued them: play the clips soon, against
// that server. With --embedded the server stops when the script ends unless --keep-running is given.
import { writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { startEmbeddedServer, type EmbeddedServer } from '../kiosk-sim/embedded-server.ts'
import { fixtureClips } from '../kiosk-sim/scenario/fixture-clips.ts'
import { loadFixtureSet } from '../kiosk-sim/scenario/fixture-set.ts'
import { OperatorClient } from '../kiosk-sim/scenario/operator-client.ts'
import { writeVideo } from '../kiosk-sim/sources/passenger-clip.ts'

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    'operator-key': { type: 'string', default: process.env.OPERATOR_KEY },
    embedded: { type: 'boolean', default: false },
    'keep-running': { type: 'boolean', default: false },
    fixtures: { type: 'string', default: 'fixtures' },
    out: { type: 'string', default: 'out/clips' },
    format: { type: 'string', default: 'y4m' },
    fps: { type: 'string', default: '10' },
    width: { type: 'string', default: '640' },
    height: { type: 'string', default: '480' },
    only: { type: 'string' },
    'no-tailgate': { type: 'boolean', default: false },
    'no-swap': { type: 'boolean', default: false },
  },
})
if (!values.embedded && !(values.server && values['operator-key'])) {
  process.stderr.write('make-clips: give --server URL --operator-key KEY, or --embedded\n')
  process.exit(2)
}

let embedded: EmbeddedServer | null = null
try {
  if (values.embedded) embedded = await startEmbeddedServer({ kioskIds: ['kiosk-1'] })
  const serverUrl = embedded?.url ?? values.server!
  const operator = new OperatorClient(serverUrl, embedded?.operatorKey ?? values['operator-key']!)
  const set = await loadFixtureSet(values.fixtures)
  const clips = fixtureClips(set, operator, {
    only: values.only?.split(',').map((s) => s.trim()),
    tailgate: !values['no-tailgate'],
    swap: !values['no-swap'],
    clip: { fps: Number(values.fps), width: Number(values.width), height: Number(values.height) },
  })
  await mkdir(values.out, { recursive: true })
  const manifest = []
  for await (const clip of clips) {
    const file = `${clip.name}.${values.format}`
    const started = performance.now()
    await writeVideo(clip.spec, path.join(values.out, file))
    process.stdout.write(
      `${file.padEnd(20)} ${clip.passenger.scenario.padEnd(9)} ` +
        `expect ${clip.expected.decision}${clip.expected.reason ? `(${clip.expected.reason})` : ''}  ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    )
    manifest.push({
      file,
      passengerId: clip.passenger.id,
      scenario: clip.passenger.scenario,
      expected: clip.expected,
      seed: clip.spec.seed,
    })
  }
  await writeFile(
    path.join(values.out, 'manifest.json'),
    `${JSON.stringify({ server: serverUrl, madeAt: new Date().toISOString(), clips: manifest }, null, 2)}\n`,
  )
  process.stdout.write(`${manifest.length} clips in ${values.out} (tokens from ${serverUrl})\n`)
  if (embedded && values['keep-running']) {
    process.stdout.write(
      `server ${embedded.url} keeps running; kiosk-1 key ${embedded.kioskKeys['kiosk-1']}; Ctrl-C to stop\n`,
    )
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
  }
} finally {
  await embedded?.stop()
}
