// One real run: seven NUAA frames of one subject through the real engine, one worker. The expected decisions are
// those of the full baseline run on the same frames (docs/pad-baseline.json, out/pad-eval-baseline.json).
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { padEvalCommand as padEvalDefinition } from '../kiosk-sim/pad-eval/pad-eval-command.ts'
import { programOf, runProgram } from '../lib/cli/run-program.ts'

/** The command as kiosk-sim runs it (commander, exit codes), with its output caught. */
const padEvalCommand = (
  argv: string[],
  io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } },
) =>
  runProgram(programOf('kiosk-sim', '', [padEvalDefinition()]), ['pad-eval', ...argv], {
    out: (s) => void io.stdout.write(s),
    err: (s) => void io.stderr.write(s),
  })

const SHARED_PAD = path.resolve(fileURLToPath(new URL('../', import.meta.url)), '../shared/pad')
const bona = (frame: string) => `nuaa/bona-fide/0001/0001_00_00_01_${frame}.jpg`
const attack = (frame: string) => `nuaa/attack/0001/0001_00_00_01_${frame}.jpg`
const MANIFEST = [
  ...['0', '112', '127', '141', '170'].map((f) => ({ file: bona(f), presentation: 'bona-fide', species: null })),
  ...['0', '116'].map((f) => ({ file: attack(f), presentation: 'attack', species: 'printed-photo' })),
].map((e) => ({ ...e, subject: 'nuaa:0001' }))

const io = () => {
  const out = { stdout: '', stderr: '' }
  return {
    out,
    io: {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
    },
  }
}

/** The 7 frames and their manifest, copied into DIR/set. */
async function copySubset(dir: string): Promise<string> {
  const dataset = path.join(dir, 'set')
  for (const e of MANIFEST) {
    await mkdir(path.dirname(path.join(dataset, e.file)), { recursive: true })
    await copyFile(path.join(SHARED_PAD, e.file), path.join(dataset, e.file))
  }
  await writeFile(path.join(dataset, 'manifest.json'), JSON.stringify(MANIFEST))
  return dataset
}

t.test('a real run on 7 NUAA frames: counts, keys, and the same figures re-scored from its analyses', async (t) => {
  // Fail, not skip (as the PostgreSQL tests do): a green run must mean the real engine was measured.
  if (!existsSync(SHARED_PAD)) return t.fail(`no PAD dataset at ${SHARED_PAD} (../shared/pad beside the repo)`)
  const dir = await mkdtemp(path.join(tmpdir(), 'pad-eval-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const dataset = await copySubset(dir)
  const json = path.join(dir, 'report.json')
  const analyses = path.join(dir, 'analyses.json')
  const run = io()
  const argv = ['--dataset', dataset, '--workers', '1', '--json', json, '--analyses', analyses]
  t.equal(await padEvalCommand(argv, run.io), 0, 'exit 0')
  const report = JSON.parse(await readFile(json, 'utf8'))
  for (const key of ['apcer', 'bpcer', 'fta', 'iapmr', 'thresholds', 'perSubject', 'checks', 'images'])
    t.ok(key in report, `key ${key}`)
  t.match(report, { dataset, backend: 'onnx', frames: { total: 7, bonaFide: 5, attack: { 'printed-photo': 2 } } })
  // The shipped calibration: the classifier refers both attacks (pad 0.005 and 0.004), liveness bona fide 127 (0.43).
  t.match(report.apcer['printed-photo'], { k: 0, n: 2 }, 'both attack frames stopped')
  t.match(
    report.images.find((i: { file: string }) => i.file === attack('0')),
    { failedCheck: 'pad' },
  )
  t.match(report.bpcer, { k: 1, n: 5, reasons: { SPOOF_SUSPECTED: 1 } }, 'frame 127 is referred')
  t.same(report.fta, { k: 0, n: 5, rate: 0 })
  t.same(report.iapmr.enrolmentFrames, [bona('0'), bona('112'), bona('141')])
  t.match(report.iapmr, { k: 0, n: 2 }, 'no attack passes, so none passes and matches')
  t.match(report.genuineAcceptance, { k: 1, n: 2 })
  t.equal(report.images.length, 7)
  t.match(run.out.stdout, /APCER printed-photo +0\.00% +\(0\/2\)/)

  const rescored = io()
  const again = path.join(dir, 'again.json')
  t.equal(await padEvalCommand(['--from-analyses', analyses, '--json', again], rescored.io), 0, 'exit 0')
  const second = JSON.parse(await readFile(again, 'utf8'))
  for (const key of ['apcer', 'bpcer', 'fta', 'iapmr', 'perSubject', 'images']) t.same(second[key], report[key], key)
})

t.test('its twin: the same frames under the baseline calibration (no classifier) let attack 0 through', async (t) => {
  if (!existsSync(SHARED_PAD)) return t.fail(`no PAD dataset at ${SHARED_PAD} (../shared/pad beside the repo)`)
  const dir = await mkdtemp(path.join(tmpdir(), 'pad-eval-baseline-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const dataset = await copySubset(dir)
  const shipped = JSON.parse(await readFile(new URL('../models/calibration.json', import.meta.url), 'utf8'))
  const { pad: _classifier, ...rest } = shipped
  const baseline = { ...rest, quality: { ...rest.quality, antispoofMin: 0.42, livenessMin: 0.7 } }
  const calibration = path.join(dir, 'baseline-calibration.json')
  await writeFile(calibration, JSON.stringify(baseline))
  const json = path.join(dir, 'report.json')
  const run = io()
  const argv = ['--dataset', dataset, '--workers', '1', '--json', json, '--calibration', calibration]
  t.equal(await padEvalCommand(argv, run.io), 0, 'exit 0')
  const report = JSON.parse(await readFile(json, 'utf8'))
  t.match(report.apcer['printed-photo'], { k: 1, n: 2 }, 'frame 0 passes, frame 116 fails liveness')
  t.match(report.iapmr, { k: 1, n: 2 }, 'the passing attack also matches at the shipped threshold')
  t.match(
    report.images.find((i: { file: string }) => i.file === attack('0')),
    { decision: 'PASS' },
  )
})

t.test('a dataset without a manifest fails with its code and exit 1; bad usage exits 2', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pad-eval-empty-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const run = io()
  t.equal(await padEvalCommand(['--dataset', dir, '--workers', '1'], run.io), 1)
  t.match(run.out.stderr, /PAD_MANIFEST_UNREADABLE/)
  const usage = io()
  t.equal(await padEvalCommand(['--workers', '1'], usage.io), 2)
  t.match(usage.out.stderr, /--dataset DIR is required/)
})
