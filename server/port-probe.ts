import { createServer } from 'node:net'

/**
 * Binds and releases host:port, so that a port in use is reported before the slow part of the start (the face
 * models). Rejects with the bind error (EADDRINUSE, EACCES, EADDRNOTAVAIL). listen() can still lose a race later.
 */
export function probePort(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()))
  })
}
