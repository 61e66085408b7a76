// Which Chromium the browser tests and screenshots drive (playwright-core downloads none): CHROMIUM_PATH when set,
// else the first of the usual names on PATH. A system Chromium is a prerequisite of those two commands only.
import { findOnPath, isExecutableFile } from './find-on-path.ts'

export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const

export type ChromiumLookup = { found: true; path: string } | { found: false; /** One line. */ missing: string }

export interface ChromiumLookupOptions {
  /** The CHROMIUM_PATH setting, if any. */
  chromiumPath?: string
  /** PATH-style folder list. */
  searchPath: string
  platform?: NodeJS.Platform
}

export function findChromium(options: ChromiumLookupOptions): ChromiumLookup {
  if (options.chromiumPath) {
    if (isExecutableFile(options.chromiumPath)) return { found: true, path: options.chromiumPath }
    return { found: false, missing: `CHROMIUM_PATH=${options.chromiumPath} is not an executable file` }
  }
  const onPath = findOnPath(CHROMIUM_NAMES, options.searchPath, options.platform)
  if (onPath) return { found: true, path: onPath }
  return {
    found: false,
    missing:
      `Chromium not found: no ${CHROMIUM_NAMES.slice(0, 3).join(', ')} on PATH and CHROMIUM_PATH not set; ` +
      'install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH',
  }
}
