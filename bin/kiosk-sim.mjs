#!/usr/bin/env node
// The installed `kiosk-sim` command (npx kiosk-sim): Node 20 cannot run .ts by itself, so this registers tsx (a
// runtime dependency, resolved from this package wherever the command is run), then runs the TypeScript CLI.
import { register } from 'tsx/esm/api'

register()
await import('../kiosk-sim/cli.ts')
