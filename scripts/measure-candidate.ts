// Measures the candidate descriptor "Human detection + face-api 128-d ResNet" against today's `faceres`, on the
// SAME images and pairs, with the project's metric code. Measurement only: the engine is not touched.
//
//   node --import tsx scripts/measure-candidate.ts --dataset ../shared/faces \
//     [--limit 600] [--workers 2] [--json out/candidate.json]
//
// Each worker thread runs one Human (models/human-loader.ts, the engine's configuration) and face-api's
// recognition net on the same tfjs WASM backend. Per image: Human detects (mesh, faceres, antispoof, liveness),
// the largest face is kept, and face-api describes three crops of it, each plain and mirror-averaged.
import { readFile, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import type { Tensor3D } from '@tensorflow/tfjs-core'
import type { FaceResult, Human } from '@vladmandic/human'
import { pct } from '../lib/format.ts'

const ALL_CROPS = [
  'human-box',
  'mesh-box',
  'faceapi-landmarks',
  'faceapi-landmarks2',
  'mesh-landmarks',
  'dlib-landmarks',
] as const
type Crop = (typeof ALL_CROPS)[number]
// `--crops a,b` limits the face-api crops measured (default: all); `--ssd` adds face-api's own SSD pipeline as a
// reference.
const CROPS: Crop[] = (process.env.MEASURE_CROPS ?? ALL_CROPS.join(',')).split(',') as Crop[]
const WITH_SSD = process.env.MEASURE_SSD === '1'
const VARIANTS = [
  'faceres',
  ...CROPS.flatMap((c) => [`faceapi:${c}`, `faceapi:${c}+mirror`]),
  ...(WITH_SSD ? ['faceapi-own-ssd'] : []),
] as const
type Variant = string

interface ImageOut {
  index: number
  error: string | null
  faces: number
  embeddings: Partial<Record<Variant, number[]>>
  /** Human detect total (decode excluded), and its faceres share. */
  humanMs: number
  faceresMs: number
  /**
   * Extra face-api time per crop mode: crop (+ landmarks for faceapi-landmarks), plain descriptor, mirror's extra
   * pass.
   */
  cropMs: Partial<Record<Crop, { crop: number; plain: number; mirror: number }>>
  ssdMs: number
}

interface WorkerIn {
  files: Array<{ index: number; file: string }>
}

if (!isMainThread && parentPort) {
  await runWorker(workerData as WorkerIn)
} else if (isMainThread) {
  await main()
}

async function runWorker({ files }: WorkerIn): Promise<void> {
  const { loadHuman, WARMUP_IMAGE } = await import('../models/human-loader.ts')
  const { decodeImage } = await import('../models/image-decode.ts')
  const { l2normalize } = await import('../models/match.ts')
  const fa = await import('../models/candidates/faceapi-descriptor.ts')
  const human = await loadHuman()
  // The engine no longer runs faceres (its descriptor is face-api's); this comparison still needs it.
  human.config.face.description = { ...human.config.face.description, enabled: true, skipFrames: 0, skipTime: 0 }
  await human.load()
  if (!human.models.loaded().includes('faceres')) throw new Error('faceres not loaded')
  const models = await fa.loadFaceApi(human)
  const tf = human.tf
  if (WITH_SSD) await fa.loadFaceApiSsd(models, tf)
  let marks: Array<{ label: string; at: number }> = []
  human.analyze = (...msg: string[]) => {
    marks.push({ label: msg[0] ?? '', at: performance.now() })
  }
  const between = (start: string, end: string): number => {
    let total = 0
    let open: number | null = null
    for (const m of marks) {
      if (m.label === start) open = m.at
      else if (m.label === end && open !== null) {
        total += m.at - open
        open = null
      }
    }
    return total
  }

  const analyse = async (bytes: Uint8Array, index: number): Promise<ImageOut> => {
    const out: ImageOut = {
      index,
      error: null,
      faces: 0,
      embeddings: {},
      humanMs: 0,
      faceresMs: 0,
      cropMs: {},
      ssdMs: 0,
    }
    let raw
    try {
      raw = await decodeImage(bytes, { channels: 3, maxSide: 1280 })
    } catch (error) {
      out.error = (error as Error).message
      return out
    }
    const image = tf.tensor3d(new Float32Array(raw.data), [raw.height, raw.width, 3], 'float32') as unknown as Tensor3D
    try {
      marks = []
      const batch = tf.expandDims(image as never, 0)
      const t0 = performance.now()
      let result
      try {
        result = await human.detect(batch as Parameters<Human['detect']>[0])
      } finally {
        tf.dispose(batch)
      }
      out.humanMs = performance.now() - t0
      out.faceresMs = between('Start Description:', 'End Description:')
      if (result.error) throw new Error(`detect: ${result.error}`)
      out.faces = result.face.length
      // The engine keeps the largest face first.
      const face: FaceResult | undefined = [...result.face].sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])[0]
      if (WITH_SSD) {
        const s0 = performance.now()
        const own = await fa.faceApiOwnDescriptor(models, image)
        out.ssdMs = performance.now() - s0
        if (own) out.embeddings['faceapi-own-ssd'] = Array.from(own)
      }
      if (!face) return out
      if (face.embedding) out.embeddings.faceres = Array.from(l2normalize(face.embedding))
      for (const mode of CROPS) {
        const c0 = performance.now()
        const crop = await fa.faceCrop(models, tf, image, face, mode)
        const c1 = performance.now()
        if (!crop) continue
        let plainMs = 0
        try {
          // One call: the plain descriptor, then the mirror's; the mirror's extra cost is its own ResNet pass.
          const p0 = performance.now()
          const both = await fa.describe(models, tf, crop, true, (ms) => {
            plainMs = ms
          })
          const p2 = performance.now()
          out.cropMs[mode] = { crop: c1 - c0, plain: plainMs, mirror: p2 - p0 - plainMs }
          out.embeddings[`faceapi:${mode}`] = Array.from(both.plain)
          if (both.mirror) out.embeddings[`faceapi:${mode}+mirror`] = Array.from(both.mirror)
        } finally {
          tf.dispose(crop)
        }
      }
    } finally {
      tf.dispose(image)
    }
    return out
  }

  // Warm-up: two passes over a photo Human ships (kernels set up, heap grown).
  const warm = await readFile(WARMUP_IMAGE)
  for (let i = 0; i < 2; i++) await analyse(warm, -1)
  const tensorsBefore = tf.memory().numTensors
  for (const { index, file } of files) {
    const result = await analyse(await readFile(file), index)
    parentPort!.postMessage({ type: 'image', result })
  }
  parentPort!.postMessage({ type: 'done', tensorsBefore, tensorsAfter: tf.memory().numTensors })
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dataset: { type: 'string', default: '../shared/faces' },
      limit: { type: 'string' },
      workers: { type: 'string', default: '2' },
      json: { type: 'string' },
      embeddings: { type: 'string' },
      crops: { type: 'string' },
      ssd: { type: 'boolean', default: false },
    },
  })
  // Workers read the variant choice from the environment they inherit.
  if (values.crops) process.env.MEASURE_CROPS = values.crops
  if (values.ssd) process.env.MEASURE_SSD = '1'
  if (values.crops || values.ssd) {
    // VARIANTS was computed at import: re-import under the new environment is not possible, so re-exec.
    if (!process.env.MEASURE_REEXEC) {
      const { spawnSync } = await import('node:child_process')
      const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
        stdio: 'inherit',
        env: { ...process.env, MEASURE_REEXEC: '1' },
      })
      process.exit(r.status ?? 1)
    }
  }
  const { buildPairs, DEFAULT_SEED, selectIdentitySubset } = await import('../models/eval/pairs.ts')
  const { scoreMetrics } = await import('../models/eval/metrics.ts')
  const { cosineSimilarity } = await import('../models/match.ts')
  const dataset = path.resolve(values.dataset!)
  const workers = Number(values.workers)
  const manifest = JSON.parse(await readFile(path.join(dataset, 'manifest.json'), 'utf8')) as Array<{
    file: string
    identity: string
  }>
  const limit = values.limit === undefined ? undefined : Number(values.limit)
  const selected =
    limit === undefined
      ? manifest
      : selectIdentitySubset(
          manifest.map((e) => e.identity),
          limit,
          DEFAULT_SEED,
        ).map((i) => manifest[i]!)
  console.error(
    `${selected.length} images, ${new Set(selected.map((e) => e.identity)).size} identities, ${workers} workers`,
  )

  const started = performance.now()
  const results: ImageOut[] = new Array(selected.length)
  let done = 0
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}) })`
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const files = selected
        .map((e, index) => ({ index, file: path.join(dataset, e.file) }))
        .filter((_, i) => i % workers === w)
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(boot, { eval: true, workerData: { files } satisfies WorkerIn })
        worker.on(
          'message',
          (
            msg: { type: 'image'; result: ImageOut } | { type: 'done'; tensorsBefore: number; tensorsAfter: number },
          ) => {
            if (msg.type === 'image') {
              results[msg.result.index] = msg.result
              if (++done % 50 === 0)
                console.error(`${done}/${selected.length} ${((performance.now() - started) / 1000).toFixed(0)} s`)
            } else {
              console.error(`worker ${w}: tensors ${msg.tensorsBefore} -> ${msg.tensorsAfter}`)
              void worker.terminate().then(() => resolve())
            }
          },
        )
        worker.on('error', reject)
      })
    }),
  )
  const totalSeconds = (performance.now() - started) / 1000

  // Same images for every candidate: acquired = every variant produced a usable descriptor.
  const acquiredBy = (v: Variant) => results.map((r) => (r.embeddings[v]?.length ?? 0) > 0)
  const ftaBy = Object.fromEntries(VARIANTS.map((v) => [v, acquiredBy(v).filter((a) => !a).length])) as Record<
    Variant,
    number
  >
  const common = results.map((r) => VARIANTS.every((v) => (r.embeddings[v]?.length ?? 0) > 0))
  const seed = DEFAULT_SEED
  const pairs = buildPairs(
    selected.map((e, index) => ({ index, identity: e.identity, acquired: common[index]! })),
    { seed },
  )
  const scoresOf = (v: Variant) => {
    const emb = results.map((r) => r.embeddings[v] ?? [])
    const score = (list: typeof pairs.genuine) => {
      const s = new Float64Array(list.length)
      for (let k = 0; k < list.length; k++) s[k] = cosineSimilarity(emb[list.a[k]!]!, emb[list.b[k]!]!)
      return s
    }
    return { genuine: score(pairs.genuine), impostor: score(pairs.impostor) }
  }
  const scores = new Map<string, { genuine: Float64Array; impostor: Float64Array }>()
  for (const v of VARIANTS) scores.set(v, scoresOf(v))
  // Fusions of faceres with each face-api variant: simple average of cosines, and average of z-scores
  // (z against each score's impostor mean and standard deviation: 2 parameters per system, fitted on these pairs).
  const zParams = (s: Float64Array) => {
    let m = 0
    for (const x of s) m += x
    m /= s.length
    let v = 0
    for (const x of s) v += (x - m) ** 2
    return { mean: m, sd: Math.sqrt(v / s.length) }
  }
  for (const v of VARIANTS.filter((x) => x !== 'faceres')) {
    const a = scores.get('faceres')!
    const b = scores.get(v)!
    const za = zParams(a.impostor)
    const zb = zParams(b.impostor)
    const fuse = (f: (x: number, y: number) => number) => ({
      genuine: a.genuine.map((x, i) => f(x, b.genuine[i]!)),
      impostor: a.impostor.map((x, i) => f(x, b.impostor[i]!)),
    })
    scores.set(
      `avg(faceres, ${v})`,
      fuse((x, y) => (x + y) / 2),
    )
    scores.set(
      `z(faceres, ${v})`,
      fuse((x, y) => ((x - za.mean) / za.sd + (y - zb.mean) / zb.sd) / 2),
    )
  }

  const median = (xs: number[]) => {
    const s = [...xs].sort((p, q) => p - q)
    return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!
  }
  const ok = results.filter((r) => r.faces > 0)
  const timing = {
    humanMsMedian: median(ok.map((r) => r.humanMs)),
    faceresMsMedian: median(ok.map((r) => r.faceresMs)),
    ...Object.fromEntries(
      CROPS.flatMap((m) => {
        const t = ok.map((r) => r.cropMs[m]).filter((x): x is NonNullable<typeof x> => !!x)
        return [
          [`${m}:cropMs`, median(t.map((x) => x.crop))],
          [`${m}:plainMs`, median(t.map((x) => x.plain))],
          [`${m}:mirrorMs`, median(t.map((x) => x.mirror))],
        ]
      }),
    ),
    ssdMsMedian: median(ok.map((r) => r.ssdMs)),
    totalSeconds,
    workers,
  }

  const rows = [...scores.entries()].map(([name, s]) => {
    const m = scoreMetrics(s.genuine, s.impostor)
    const at = (t: number) => {
      const r = m.fnmrAtFmr(t)
      return { fnmr: r.fnmr, threshold: r.threshold, fmr: r.fmr, ciLow: r.ciLow, ciHigh: r.ciHigh }
    }
    return { name, eer: m.eer(), auc: m.auc(), at1e2: at(1e-2), at1e3: at(1e-3), at1e4: at(1e-4) }
  })
  console.log(
    `\nimages ${selected.length}, common acquired ${common.filter(Boolean).length}; ` +
      `genuine ${pairs.genuine.length}, impostor ${pairs.impostor.length}` +
      `${pairs.impostorSampled ? ` (sampled of ${pairs.impostorAvailable})` : ''}`,
  )
  console.log(
    `FTA per variant: ${JSON.stringify(ftaBy)}; image errors ${results.filter((r) => r.error).length}; ` +
      `no face ${results.filter((r) => !r.error && r.faces === 0).length}`,
  )
  console.log(
    `timing (median ms, one worker; ${workers} workers, ${totalSeconds.toFixed(0)} s wall): ` +
      `${JSON.stringify(timing, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v))}`,
  )
  console.log('| candidate | EER | FNMR@FMR1% (t) | FNMR@FMR0.1% [95% CI] (t) | FNMR@FMR0.01% | AUC |')
  console.log('|---|---|---|---|---|---|')
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${pct(r.eer.eer)} | ${pct(r.at1e2.fnmr)} (${r.at1e2.threshold.toFixed(4)}) ` +
        `| ${pct(r.at1e3.fnmr)} [${pct(r.at1e3.ciLow)}, ${pct(r.at1e3.ciHigh)}] (${r.at1e3.threshold.toFixed(4)}) ` +
        `| ${pct(r.at1e4.fnmr)} | ${r.auc.toFixed(4)} |`,
    )
  }
  if (values.json) {
    await mkdir(path.dirname(path.resolve(values.json)), { recursive: true })
    const summary = {
      dataset,
      subset: limit === undefined ? null : { limit, seed },
      images: selected.length,
      commonAcquired: common.filter(Boolean).length,
      fta: ftaBy,
      pairs: {
        genuine: pairs.genuine.length,
        impostor: pairs.impostor.length,
        impostorAvailable: pairs.impostorAvailable,
      },
      timing,
      rows,
      createdAt: new Date().toISOString(),
    }
    await writeFile(values.json, JSON.stringify(summary, null, 2))
  }
  if (values.embeddings) {
    await mkdir(path.dirname(path.resolve(values.embeddings)), { recursive: true })
    await writeFile(
      values.embeddings,
      JSON.stringify(results.map((r, i) => ({ ...r, file: selected[i]!.file, identity: selected[i]!.identity }))),
    )
  }
}
