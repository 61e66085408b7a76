import fp from 'fastify-plugin'
import type { FastifyError } from 'fastify'
import { AppError, ERRORS, type ErrorCode } from '../errors.ts'
import { validationMessage } from './validation-message.ts'

// Fastify's own client errors, mapped to our stable codes.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_REQ_FILE_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
}

const STATUS_CODES: Record<number, ErrorCode> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
}

/** One shape for every error: { error: { code, message, requestId } }; 5xx details stay in the log. */
export const errorHandlerPlugin = fp(
  async (app) => {
    app.setErrorHandler((error: unknown, request, reply) => {
      const mapped = classify(error)
      if (mapped.status >= 500) request.log.error({ err: error }, 'request failed')
      else request.log.info({ code: mapped.code }, 'request rejected')
      const message = mapped.status >= 500 ? 'internal error' : mapped.message
      if (mapped.code === 'RATE_LIMITED' && error && typeof error === 'object' && 'headers' in error) {
        reply.headers((error as { headers?: Record<string, string> }).headers ?? {})
      }
      const photoIndexes = error instanceof AppError && mapped.status < 500 ? error.photoIndexes : undefined
      return reply.status(mapped.status).send({
        error: { code: mapped.code, message, requestId: request.id, ...(photoIndexes ? { photoIndexes } : {}) },
      })
    })
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({ error: { code: 'NOT_FOUND', message: 'no such route', requestId: request.id } }),
    )
  },
  { name: 'error-handler' },
)

function classify(thrown: unknown): { status: number; code: ErrorCode; message: string } {
  if (thrown instanceof AppError) return { status: thrown.statusCode, code: thrown.code, message: thrown.message }
  // Anything can be thrown: null, a string, an object whose code is "constructor".
  if (thrown === null || typeof thrown !== 'object')
    return { status: 500, code: 'INTERNAL_ERROR', message: 'internal error' }
  const error = thrown as Partial<FastifyError> & { validationContext?: unknown }
  const fastifyCode =
    typeof error.code === 'string' && Object.hasOwn(FASTIFY_CODES, error.code) ? FASTIFY_CODES[error.code] : undefined
  if (error.validation || fastifyCode === 'VALIDATION_FAILED') {
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: error.validation ? validationMessage(error.validationContext, error.validation) : 'malformed body',
    }
  }
  if (fastifyCode)
    return { status: ERRORS[fastifyCode], code: fastifyCode, message: fastifyCode.toLowerCase().replaceAll('_', ' ') }
  const status = typeof error.statusCode === 'number' && Number.isInteger(error.statusCode) ? error.statusCode : 500
  if (status >= 400 && status < 500) {
    const code = Object.hasOwn(STATUS_CODES, status) ? STATUS_CODES[status]! : 'VALIDATION_FAILED'
    return { status, code, message: code.toLowerCase().replaceAll('_', ' ') }
  }
  return { status: 500, code: 'INTERNAL_ERROR', message: 'internal error' }
}
