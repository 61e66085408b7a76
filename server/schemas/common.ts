import { Type } from 'typebox'
import { schemaRef } from './schema-ref.ts'

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      requestId: Type.String(),
      /** Which of the request's photos (0-based) the error is about, when it is about some. */
      photoIndexes: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))),
    }),
  },
  {
    $id: 'ErrorBody',
    additionalProperties: false,
    examples: [
      {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'body must have property photo',
          requestId: '0b7c6d2e-3f4a-4c1b-9d8e-7a6b5c4d3e2f',
        },
      },
    ],
  },
)

/** Response schemas for the error statuses a route can return. */
export function errorResponses(...statuses: number[]): Record<number, ReturnType<typeof schemaRef<typeof ErrorBody>>> {
  const responses: Record<number, ReturnType<typeof schemaRef<typeof ErrorBody>>> = {}
  const body = schemaRef(ErrorBody)
  for (const status of [...statuses, 400, 429, 500]) responses[status] = body
  return responses
}

export const BearerSecurity = [{ bearer: [] }]
