// The operator dashboard and the kiosk screen: static files from server/web, read once at start and served
// from an allow-list (no path from the URL ever reaches the file system). Nothing comes from a CDN.
import { readFileSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import { AppError } from '../errors.ts'

const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url))
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
}

// Human (ESM build with its tfjs WASM backend) and the models its face detection needs, from node_modules,
// for the measurement page /kiosk/human-bench. A fixed list: URL name -> file.
const require = createRequire(import.meta.url)
const HUMAN_DIR = path.resolve(path.dirname(require.resolve('@vladmandic/human')), '..')
const WASM_DIR = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')
const VENDOR: Record<string, string> = {
  'human.esm.js': path.join(HUMAN_DIR, 'dist', 'human.esm.js'),
  ...Object.fromEntries(
    ['blazeface', 'facemesh', 'antispoof', 'liveness'].flatMap((m) => [
      [`${m}.json`, path.join(HUMAN_DIR, 'models', `${m}.json`)],
      [`${m}.bin`, path.join(HUMAN_DIR, 'models', `${m}.bin`)],
    ]),
  ),
  'tfjs-backend-wasm.wasm': path.join(WASM_DIR, 'tfjs-backend-wasm.wasm'),
  'tfjs-backend-wasm-simd.wasm': path.join(WASM_DIR, 'tfjs-backend-wasm-simd.wasm'),
}
// The kiosk page streams frames to the kiosk process on this machine (kiosk-sim serve); nothing else.
const CSP = [
  "default-src 'self'",
  "connect-src 'self' http://127.0.0.1:* http://localhost:*",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ')

interface Asset {
  body: Buffer
  type: string
}

function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  for (const name of readdirSync(WEB_DIR)) {
    const type = TYPES[path.extname(name)]
    if (type && ['.html', '.js', '.css', '.svg'].includes(path.extname(name)) && /^[a-z0-9-]+\.[a-z]+$/.test(name))
      assets.set(name, { body: readFileSync(path.join(WEB_DIR, name)), type })
  }
  return assets
}

export const webRoutes: FastifyPluginAsync = async (app) => {
  const assets = loadAssets()
  const send = (reply: FastifyReply, name: string, permissions?: string) => {
    const asset = assets.get(name)
    if (!asset) throw new AppError('NOT_FOUND', 'no such file')
    return reply
      .type(asset.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', CSP)
      .header(
        'permissions-policy',
        permissions ?? (name === 'kiosk.html' ? 'camera=(self), microphone=()' : 'camera=(), microphone=()'),
      )
      .send(asset.body)
  }
  app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => send(reply, 'dashboard.html'))
  app.get('/kiosk', { schema: { hide: true } }, async (_request, reply) => send(reply, 'kiosk.html'))
  app.get('/kiosk/human-bench', { schema: { hide: true } }, async (_request, reply) =>
    send(reply, 'human-bench.html', 'camera=(self), microphone=()'),
  )
  app.get<{ Params: { file: string } }>('/vendor/:file', { schema: { hide: true } }, async (request, reply) => {
    const file = Object.hasOwn(VENDOR, request.params.file) ? VENDOR[request.params.file]! : null
    if (!file) throw new AppError('NOT_FOUND', 'no such file')
    return reply
      .type(TYPES[path.extname(file)]!)
      .header('cache-control', 'public, max-age=3600')
      .header('x-content-type-options', 'nosniff')
      .send(await readFile(file))
  })
  app.get<{ Params: { file: string } }>('/web/:file', { schema: { hide: true } }, async (request, reply) => {
    const { file } = request.params
    if (file.endsWith('.html')) throw new AppError('NOT_FOUND', 'no such file')
    return send(reply, file)
  })
}
