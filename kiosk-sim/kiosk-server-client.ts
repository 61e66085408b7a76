import type { ClearanceEvent } from '../contract/clearance-event.ts'
import { CodedError } from '../lib/coded-error.ts'
import type { ChainEntry, ChainHead } from '../lib/outbox-chain.ts'
import { networkCause } from './startup-check.ts'

export type KioskEvent = ClearanceEvent

/** The server could not be asked (network error, timeout, 5xx): an outage, which offline mode may bridge. */
export class ServerUnavailableError extends CodedError<'SERVER_UNAVAILABLE'> {
  constructor(message: string) {
    super('SERVER_UNAVAILABLE', message)
  }
}

/**
 * The server answered and refused this kiosk (401/403: a withdrawn or wrong kiosk key). Not an outage: it must
 * never send the kiosk into offline mode.
 */
export class KioskNotAuthorisedError extends CodedError<'KIOSK_NOT_AUTHORISED'> {
  constructor(message: string) {
    super('KIOSK_NOT_AUTHORISED', message)
  }
}

/** The server refused an outbox batch with its stable code (OUTBOX_GAP, OUTBOX_CHAIN_BROKEN, ...): no retry helps. */
export class OutboxRefusedError extends CodedError {
  constructor(code: string) {
    super(code, `outbox refused: ${code}`)
  }
}

/**
 * The server answered and refused a batch of events for what is in it (409 EVENT_ID_CONFLICT, 422 a bad event...):
 * sending it again cannot help. The reporter keeps such events, with this reason, instead of retrying them.
 */
export class EventsRefusedError extends CodedError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
  ) {
    super(code, message)
  }
}

export interface RevocationList {
  /** Server clock, epoch ms. */
  generatedAt: number
  revokedSubjects: string[]
}

export interface TemplateReply {
  status: 'ok' | 'revoked' | 'unknown'
  model?: { name: string; version: string }
  embedding?: Float32Array
  /** Enrolment photos behind the template (1 when the server does not say: the stricter threshold then). */
  photos?: number
}

/** The kiosk's only door to the server: HTTP with the kiosk's bearer key, a timeout on every call. */
export class KioskServerClient {
  constructor(
    private readonly baseUrl: string,
    private readonly kioskKey: string,
    private readonly timeoutMs = 3000,
    /** Called with each round trip's milliseconds (server latency as the kiosk sees it). */
    private readonly onRoundTrip?: (ms: number, path: string) => void,
  ) {}

  async fetchJwks(): Promise<unknown> {
    const response = await this.request('GET', '/.well-known/jwks.json')
    if (response.status !== 200) throw new ServerUnavailableError(`jwks: HTTP ${response.status}`)
    return response.json()
  }

  /** True when this kiosk is the first to use the token id. */
  async consumeJti(iss: string, jti: string, exp: number): Promise<boolean> {
    const response = await this.request('POST', '/v1/kiosk/jti', { iss, jti, exp })
    await response.body?.cancel()
    if (response.status === 200) return true
    if (response.status === 409) return false
    throw failure('jti', response.status)
  }

  async fetchTemplate(subject: string): Promise<TemplateReply> {
    const response = await this.request('GET', `/v1/kiosk/templates/${encodeURIComponent(subject)}`)
    if (response.status === 410) return drain(response, { status: 'revoked' })
    if (response.status === 404) return drain(response, { status: 'unknown' })
    if (response.status !== 200) throw failure('template', await drain(response, response.status))
    const body = (await response.json()) as {
      model: { name: string; version: string }
      embedding: string
      photos?: number
    }
    const bytes = Buffer.from(body.embedding, 'base64')
    const embedding = new Float32Array(new Uint8Array(bytes).buffer, 0, Math.floor(bytes.byteLength / 4))
    return {
      status: 'ok',
      model: body.model,
      embedding,
      ...(typeof body.photos === 'number' ? { photos: body.photos } : {}),
    }
  }

  async postEvents(events: KioskEvent[]): Promise<{ accepted: number; duplicates: number }> {
    const response = await this.request('POST', '/v1/kiosk/events', { events })
    if (response.status === 200) return (await response.json()) as { accepted: number; duplicates: number }
    if (response.status === 401 || response.status === 403)
      throw failure('events', await drain(response, response.status))
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null
      const code = body?.error?.code ?? `HTTP_${response.status}`
      throw new EventsRefusedError(response.status, code, body?.error?.message ?? `events: HTTP ${response.status}`)
    }
    await response.body?.cancel()
    throw new ServerUnavailableError(`events: HTTP ${response.status}`)
  }

  /** Sends a run of the outbox chain; returns the head the server now holds. */
  async postOutbox(kioskId: string, entries: ReadonlyArray<ChainEntry<KioskEvent>>): Promise<ChainHead> {
    const response = await this.request('POST', '/v1/kiosk/outbox', { kioskId, events: entries })
    if (response.status === 200) return ((await response.json()) as { acknowledged: ChainHead }).acknowledged
    if (response.status >= 400 && response.status < 500 && response.status !== 429) {
      const body = (await response.json().catch(() => null)) as { error?: { code?: string } } | null
      throw new OutboxRefusedError(body?.error?.code ?? `HTTP ${response.status}`)
    }
    await response.body?.cancel()
    throw new ServerUnavailableError(`outbox: HTTP ${response.status}`)
  }

  async fetchOutboxHead(): Promise<ChainHead> {
    const response = await this.request('GET', '/v1/kiosk/outbox/head')
    if (response.status !== 200)
      throw new ServerUnavailableError(`outbox head: HTTP ${await drain(response, response.status)}`)
    return (await response.json()) as ChainHead
  }

  async fetchRevocations(): Promise<RevocationList> {
    const response = await this.request('GET', '/v1/kiosk/revocations')
    if (response.status !== 200) throw failure('revocations', await drain(response, response.status))
    return (await response.json()) as RevocationList
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const started = performance.now()
    try {
      const response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: { authorization: `Bearer ${this.kioskKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      this.onRoundTrip?.(performance.now() - started, path)
      return response
    } catch (error) {
      // The URL and the cause (ECONNREFUSED, a timeout), not fetch's bare "fetch failed".
      const cause = networkCause(error, this.timeoutMs)
      throw new ServerUnavailableError(`cannot reach ${this.baseUrl} (${cause}) for ${method} ${path}`)
    }
  }
}

function failure(what: string, status: number): Error {
  return status === 401 || status === 403
    ? new KioskNotAuthorisedError(`${what}: HTTP ${status}`)
    : new ServerUnavailableError(`${what}: HTTP ${status}`)
}

async function drain<T>(response: Response, value: T): Promise<T> {
  await response.body?.cancel()
  return value
}
