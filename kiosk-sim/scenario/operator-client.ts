// The tester's side of the API: enrol residents and fetch their tokens, as an operator and a resident would.
import { CodedError } from '../../lib/coded-error.ts'

/** The server refused a request; `code` is the server's stable error code. */
export class ApiError extends CodedError {
  constructor(
    readonly status: number,
    code: string,
    message = `HTTP ${status} ${code}`,
    /** Which of an enrolment's photos (0-based) the error is about, when the server says. */
    readonly photoIndexes: number[] = [],
  ) {
    super(code, message)
  }
}

export interface EnrolInput {
  residentId: string
  name: string
  dateOfBirth: string
  guardianConsent: boolean
  /** One photo, or `photos`: up to 3 of the same person, whose descriptors' mean is the template. */
  photo?: Uint8Array
  photos?: readonly Uint8Array[]
}

export class OperatorClient {
  constructor(
    private readonly baseUrl: string,
    private readonly operatorKey: string,
  ) {}

  /** Enrols and returns the resident's credential. */
  async enrol(input: EnrolInput): Promise<string> {
    const { residentId, name, dateOfBirth, guardianConsent } = input
    const base64 = (photo: Uint8Array) => Buffer.from(photo).toString('base64')
    const body = {
      residentId,
      name,
      dateOfBirth,
      guardianConsent,
      ...(input.photos ? { photos: input.photos.map(base64) } : { photo: base64(input.photo ?? new Uint8Array(0)) }),
    }
    const reply = await this.call('POST', '/v1/residents', this.operatorKey, body)
    return (reply as { credential: string }).credential
  }

  /** A new credential for an enrolled resident (the old one stops working). */
  async resetCredential(residentId: string): Promise<string> {
    const reply = await this.call(
      'POST',
      `/v1/residents/${encodeURIComponent(residentId)}/credential`,
      this.operatorKey,
    )
    return (reply as { credential: string }).credential
  }

  async issueToken(credential: string): Promise<{ token: string; tokenId: string; expiresAt: string }> {
    return (await this.call('POST', '/v1/tokens', credential)) as { token: string; tokenId: string; expiresAt: string }
  }

  async stats(): Promise<unknown> {
    return this.call('GET', '/v1/stats', this.operatorKey)
  }

  private async call(method: string, path: string, bearer: string, body?: unknown): Promise<unknown> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(60_000),
    })
    const reply = (await response.json().catch(() => ({}))) as { error?: { code?: string; photoIndexes?: number[] } }
    if (response.status === 401 && bearer === this.operatorKey)
      throw new ApiError(401, 'UNAUTHORIZED', `the server at ${this.baseUrl} refused the operator key (${path}, 401)`)
    if (!response.ok)
      throw new ApiError(response.status, reply.error?.code ?? 'UNKNOWN', undefined, reply.error?.photoIndexes)
    return reply
  }
}
