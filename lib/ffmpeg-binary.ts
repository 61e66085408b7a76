// Which ffmpeg to run: a system ffmpeg on PATH when there is one, else the static build that the optional
// dependency @ffmpeg-installer/<platform>-<arch> ships (only linux-x64 is in package.json), so that a machine
// with nothing but Node runs the clips and the live gate.
import { createRequire } from 'node:module'
import path from 'node:path'
import { findOnPath, isExecutableFile } from './find-on-path.ts'

export type FfmpegLookup =
  | { found: true; path: string; source: 'system' | 'package' }
  | { found: false; /** One line: what is missing and how to get it. */ missing: string }

export interface FfmpegLookupOptions {
  /** PATH-style folder list; default the process's PATH. */
  searchPath?: string
  platform?: NodeJS.Platform
  arch?: string
}

const PACKAGED = '@ffmpeg-installer/linux-x64'
const require = createRequire(import.meta.url)

export function findFfmpeg(options: FfmpegLookupOptions = {}): FfmpegLookup {
  const platform = options.platform ?? process.platform
  const arch = options.arch ?? process.arch
  const system = findOnPath(['ffmpeg'], options.searchPath ?? process.env.PATH ?? '', platform)
  if (system) return { found: true, path: system, source: 'system' }
  const target = `${platform}-${arch}`
  const packaged = packagedFfmpeg(`@ffmpeg-installer/${target}`, platform)
  if (packaged) return { found: true, path: packaged, source: 'package' }
  const why =
    target === 'linux-x64'
      ? `and ${PACKAGED} is not installed (npm install)`
      : `and ${PACKAGED} does not run on ${target}`
  return {
    found: false,
    missing: `ffmpeg not found: none on PATH ${why}; install ffmpeg (apt-get install -y ffmpeg, brew install ffmpeg)`,
  }
}

let cached: FfmpegLookup | undefined

/** findFfmpeg() for this process, looked up once. */
export function defaultFfmpeg(): FfmpegLookup {
  cached ??= findFfmpeg()
  return cached
}

function packagedFfmpeg(packageName: string, platform: NodeJS.Platform): string | null {
  try {
    const dir = path.dirname(require.resolve(`${packageName}/package.json`))
    const file = path.join(dir, platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg')
    return isExecutableFile(file) ? file : null
  } catch {
    return null
  }
}
