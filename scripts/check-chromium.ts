// npm run test:browser runs this first: one line and exit 1 when no Chromium is found, instead of a failure per test.
import { findChromium } from '../lib/chromium-binary.ts'

const lookup = findChromium({ chromiumPath: process.env.CHROMIUM_PATH, searchPath: process.env.PATH ?? '' })
if (!lookup.found) {
  process.stderr.write(`${lookup.missing}\n`)
  process.exit(1)
}
