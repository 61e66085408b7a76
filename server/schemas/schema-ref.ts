import { Type, type Static, type TSchema, type TUnsafe } from 'typebox'

/**
 * A reference to a schema registered with app.addSchema (server/schemas/named-schemas.ts), typed as the schema
 * itself: OpenAPI then shows it once, by name, under components.schemas, and routes stay typed.
 */
export function schemaRef<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id
  if (typeof id !== 'string') throw new Error('schemaRef needs a schema with an $id')
  return Type.Unsafe<Static<T>>({ $ref: `${id}#` })
}
