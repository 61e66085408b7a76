#!/usr/bin/env node
// The installed `echannel-server` command: the server (server/main.ts, as `npm start` runs it) through tsx.
import { register } from 'tsx/esm/api'

register()
await import('../server/main.ts')
