// The multipart form of an enrolment (fields plus photo files), read into the JSON body's shape so that one
// schema validates both. Parsing happens here, not in a global hook, so that a malformed body is a 400 with a
// stable code rather than whatever the parser threw.
import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'

/** RFC 2046: a boundary of 1 to 70 characters, quoted or not. */
const BOUNDARY = /;\s*boundary=(?:"[^"]{1,70}"|[^\s;"]{1,70})\s*(?:;|$)/i

/**
 * One `photo` file stays `photo`; several files (under `photo` or `photos`) become `photos`; files become base64
 * text as in a JSON body; `guardianConsent` "true"/"false" become booleans (anything else fails the schema).
 */
export async function enrolmentFromMultipart(
  request: FastifyRequest,
  photoLimitBytes: number,
): Promise<Record<string, unknown>> {
  if (!BOUNDARY.test(request.headers['content-type'] ?? ''))
    throw new AppError('MULTIPART_BOUNDARY_INVALID', 'multipart/form-data needs a boundary parameter')
  const body = await readParts(request)
  const asBase64 = (value: unknown): unknown => (Buffer.isBuffer(value) ? value.toString('base64') : value)
  // The file limit is per file; all the photos together get the same limit as a JSON body.
  const files = [body.photo, body.photos].flat().filter((v): v is Buffer => Buffer.isBuffer(v))
  if (files.reduce((n, f) => n + f.length, 0) > photoLimitBytes) {
    throw new AppError('PAYLOAD_TOO_LARGE', 'the photos together exceed the upload limit')
  }
  if (Array.isArray(body.photo) && body.photos === undefined) {
    body.photos = body.photo
    delete body.photo
  }
  if (Buffer.isBuffer(body.photos)) body.photos = [body.photos]
  if (Array.isArray(body.photos)) body.photos = body.photos.map(asBase64)
  body.photo = asBase64(body.photo)
  if (body.photo === undefined) delete body.photo
  if (body.guardianConsent === 'true' || body.guardianConsent === 'false')
    body.guardianConsent = body.guardianConsent === 'true'
  return body
}

/** Fields and files by name (a repeated name gives an array). */
async function readParts(request: FastifyRequest): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {}
  try {
    for await (const part of request.parts()) {
      const value = part.type === 'file' ? await part.toBuffer() : part.value
      const before = body[part.fieldname]
      body[part.fieldname] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value]
    }
  } catch (error) {
    // The plugin's own refusals carry a status (a limit: 413, a field named like a prototype key: 400) and
    // keep it; anything else is the parser failing on the bytes: cut off, no closing boundary, a bad header.
    if (error && typeof error === 'object' && typeof (error as { statusCode?: unknown }).statusCode === 'number')
      throw error
    throw new AppError('MULTIPART_MALFORMED', 'the multipart body is malformed or cut off')
  }
  return body
}
