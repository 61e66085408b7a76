// A system Chromium driven by playwright-core (no browser download). A fake camera plays a y4m file.
import { chromium, type Browser } from 'playwright-core'
import { findChromium } from '../../lib/chromium-binary.ts'

const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface LaunchOptions {
  /** A y4m clip for the fake camera; without it, no camera flags. */
  cameraClip?: string
}

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const lookup = findChromium({ chromiumPath: process.env.CHROMIUM_PATH, searchPath: process.env.PATH ?? '' })
  if (!lookup.found) throw new Error(lookup.missing)
  const camera = options.cameraClip
    ? [
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-video-capture=${options.cameraClip}`,
      ]
    : []
  // launch() gives every browser a new empty profile directory of its own.
  return chromium.launch({ executablePath: lookup.path, headless: true, args: [...BASE_FLAGS, ...camera] })
}
