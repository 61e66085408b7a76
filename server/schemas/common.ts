import { Type } from 'typebox'

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
  { $id: 'ErrorBody', additionalProperties: false },
)

/** Response schemas for the error statuses a route can return. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  const responses: Record<number, typeof ErrorBody> = {}
  for (const status of [...statuses, 400, 429, 500]) responses[status] = ErrorBody
  return responses
}

export const BearerSecurity = [{ bearer: [] }]
