import { Worker, type WorkerOptions } from 'node:worker_threads'

/**
 * A worker thread that runs a TypeScript module. On Node 20, `execArgv: ['--import', 'tsx']` does not reach a
 * worker's entry module, so a two-line boot script registers tsx inside the worker, then imports the module.
 */
export function startTsWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(moduleUrl.href)}) })`
  return new Worker(boot, { ...options, eval: true })
}
