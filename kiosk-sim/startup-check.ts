// The kiosk's start-up check, before the face engine loads: is the server there, does it accept the kiosk key,
// does that key belong to this kiosk id, does it accept the operator key. Each failure is one line naming the
// URL and the cause, so that a wrong key is not mistaken later for an outage (every passenger referred).
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { CodedError } from '../lib/coded-error.ts'

export type StartupProblem = 'SERVER_UNREACHABLE' | 'KIOSK_KEY_REFUSED' | 'KIOSK_ID_MISMATCH' | 'OPERATOR_KEY_REFUSED'

export class StartupCheckError extends CodedError<StartupProblem> {}

export interface StartupCheckInput {
  url: string
  kioskKey: string
  kioskId: string
  operatorKey?: string
  timeoutMs?: number
}

/** The network cause of a failed fetch, e.g. ECONNREFUSED, ENOTFOUND, or "timed out after 3 s". */
export function networkCause(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `timed out after ${timeoutMs / 1000} s`
  return e.cause?.code ?? e.cause?.message ?? e.message ?? 'network error'
}

/**
 * GET /v1/whoami over node:http rather than fetch: fetch refuses some ports outright ("bad port", e.g. 9) and hides
 * the socket's error code, while this check must say what the network said (ECONNREFUSED, ENOTFOUND).
 */
function whoami(url: string, key: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const target = new URL('/v1/whoami', url)
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const unreachable = (cause: string) =>
      reject(new StartupCheckError('SERVER_UNREACHABLE', `cannot reach ${url} (${cause}): is the server running?`))
    const req = request(target, { headers: { authorization: `Bearer ${key}` }, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('error', (error: NodeJS.ErrnoException) => unreachable(error.code ?? error.message))
      response.on('end', () => {
        let body: unknown = null
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
        } catch {
          // Not JSON (not this server, or a proxy's page): the status alone decides.
        }
        resolve({ status: response.statusCode ?? 0, body })
      })
    })
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('timeout'), { code: `timed out after ${timeoutMs / 1000} s` })),
    )
    req.on('error', (error: NodeJS.ErrnoException) => unreachable(error.code ?? error.message))
    req.end()
  })
}

/** Resolves when the server accepts the keys; otherwise throws a StartupCheckError with a one-line message. */
export async function checkServerAccess(input: StartupCheckInput): Promise<void> {
  const timeoutMs = input.timeoutMs ?? 5000
  const kiosk = await whoami(input.url, input.kioskKey, timeoutMs)
  if (kiosk.status === 401 || kiosk.status === 403)
    throw new StartupCheckError(
      'KIOSK_KEY_REFUSED',
      `the server at ${input.url} refused the kiosk key for ${input.kioskId} (${kiosk.status}): ` +
        "check --kiosk-key / KIOSK_KEY against the server's KIOSK_KEYS",
    )
  if (kiosk.status >= 500 || kiosk.status === 0)
    throw new StartupCheckError('SERVER_UNREACHABLE', `the server at ${input.url} answered ${kiosk.status}`)
  const owner = (kiosk.body as { role?: string; kioskId?: string } | null) ?? {}
  // 404: a server from before /v1/whoami; the key is then checked by the first kiosk call instead.
  if (kiosk.status === 200 && owner.role === 'kiosk' && owner.kioskId !== input.kioskId)
    throw new StartupCheckError(
      'KIOSK_ID_MISMATCH',
      `the kiosk key belongs to ${owner.kioskId}, not ${input.kioskId}: check --kiosk-id (the server would refuse ` +
        'every event)',
    )
  if (kiosk.status === 200 && owner.role === 'operator')
    throw new StartupCheckError(
      'KIOSK_KEY_REFUSED',
      `the key given as the kiosk key for ${input.kioskId} is an operator key: check --kiosk-key / KIOSK_KEY`,
    )
  if (input.operatorKey === undefined) return
  const operator = await whoami(input.url, input.operatorKey, timeoutMs)
  const operatorRole = (operator.body as { role?: string } | null)?.role
  if (operator.status === 401 || operator.status === 403)
    throw new StartupCheckError(
      'OPERATOR_KEY_REFUSED',
      `the server at ${input.url} refused the operator key (enrolment, ${operator.status}): ` +
        "check --operator-key / OPERATOR_KEY against the server's OPERATOR_KEYS",
    )
  if (operator.status === 200 && operatorRole !== 'operator')
    throw new StartupCheckError(
      'OPERATOR_KEY_REFUSED',
      'the key given as the operator key is a kiosk key: check --operator-key / OPERATOR_KEY',
    )
}
