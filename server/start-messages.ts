// What the server tells a person at start-up: the first start's new keys, and why a start failed, in one line
// each (no stack for a problem the person can fix).
import type { FirstStart, ServerSettings } from './env-config.ts'
import { ConfigError } from './config-error.ts'

/** Printed once, after the first start made its secrets: where they are, and the keys a kiosk needs. */
export function firstStartNotice(first: FirstStart, url: string): string {
  const lines = [`First start: made ${first.made.join(', ')} in ${first.dataDir} (owner-only; reused by later starts).`]
  if (first.operatorKey) lines.push(`  operator key: ${first.operatorKey}`)
  if (first.kioskKeys) lines.push(`  kiosk keys:   ${first.kioskKeys}`)
  const kiosk = first.kioskKeys?.split(',')[0]?.split(':')
  if (first.operatorKey && kiosk?.length === 2) {
    lines.push(
      'Run the fixture passengers through a kiosk against this server:',
      `  export OPERATOR_KEY=${first.operatorKey} KIOSK_KEY=${kiosk[1]}`,
      `  npm run kiosk-sim -- run --server ${url} --kiosk-id ${kiosk[0]} --fixtures fixtures`,
    )
  }
  lines.push('These keys are shown only now; they stay in that folder.')
  return `${lines.join('\n')}\n`
}

/** The URL a local client would use, from the configured address (before listening). */
export function configuredUrl({ listen }: Pick<ServerSettings, 'listen'>): string {
  const host = listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host === '::' ? '::1' : listen.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}`
}

/**
 * The lines that explain a failed start, or null for an error that is a bug (its stack is then the useful part).
 * `settings` is null when the configuration itself failed.
 */
export function startFailure(error: unknown, settings: ServerSettings | null): string[] | null {
  if (error instanceof ConfigError) {
    const count = error.problems.length
    return [
      `cannot start: ${count} configuration problem${count === 1 ? '' : 's'}:`,
      ...error.problems.map((p) => `  ${p}`),
    ]
  }
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'TEMPLATE_UNREADABLE' && settings) {
    const { templateKey, database, databaseIsFile } = settings.sources
    const fresh = databaseIsFile ? `move ${database} away` : 'use a new database or DATABASE_SCHEMA'
    return [
      `cannot start: ${templateKey} does not open the templates in ${database}: ` +
        `use the key they were sealed with, or start a new database (${fresh})`,
    ]
  }
  if (settings && (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')) {
    const { host, port } = settings.listen
    if (code === 'EADDRINUSE')
      return [`cannot start: PORT ${port} is in use on ${host}: stop what listens there, or set PORT`]
    if (code === 'EACCES') return [`cannot start: no permission to listen on ${host}:${port}: set PORT above 1023`]
    return [`cannot start: HOST ${host} is not an address of this machine: set HOST (127.0.0.1, or 0.0.0.0 for all)`]
  }
  return null
}
