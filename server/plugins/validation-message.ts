// VALIDATION_FAILED says which field and which rule: "body/photo must match pattern". Short and safe: built from
// the schema (the field's path, the keyword and its limit), never from the submitted value, the pattern itself
// or the validator's own message.

export interface SchemaError {
  instancePath?: unknown
  keyword?: unknown
  params?: unknown
}

const PHRASES: Record<string, (params: Record<string, unknown>) => string> = {
  required: (p) => `must have property ${word(p.missingProperty)}`,
  additionalProperties: () => 'must not have other properties',
  type: (p) => `must be ${word(p.type)}`,
  pattern: () => 'must match pattern',
  format: (p) => `must match format ${word(p.format)}`,
  minLength: (p) => `must not have fewer than ${number(p.limit)} characters`,
  maxLength: (p) => `must not have more than ${number(p.limit)} characters`,
  minimum: (p) => `must be >= ${number(p.limit)}`,
  maximum: (p) => `must be <= ${number(p.limit)}`,
  exclusiveMinimum: (p) => `must be > ${number(p.limit)}`,
  exclusiveMaximum: (p) => `must be < ${number(p.limit)}`,
  minItems: (p) => `must not have fewer than ${number(p.limit)} items`,
  maxItems: (p) => `must not have more than ${number(p.limit)} items`,
  enum: () => 'must be one of the allowed values',
  const: () => 'must be the allowed value',
  anyOf: () => 'must match one of the allowed forms',
  oneOf: () => 'must match exactly one of the allowed forms',
}

/**
 * `<context><path> <rule>` for the first schema error, e.g. "params/residentId must match pattern". A union that no
 * branch matched reports each branch's error first and its own last: the union's is the one that explains.
 */
export function validationMessage(context: unknown, errors: readonly SchemaError[] | undefined): string {
  const last = errors?.[errors.length - 1]
  const union =
    (last?.keyword === 'anyOf' || last?.keyword === 'oneOf') && last.instancePath === errors?.[0]?.instancePath
  const first = union ? last : errors?.[0]
  const where = `${word(context) || 'request'}${path(first?.instancePath)}`
  const keyword = typeof first?.keyword === 'string' ? first.keyword : ''
  const params = first?.params && typeof first.params === 'object' ? (first.params as Record<string, unknown>) : {}
  const phrase = Object.hasOwn(PHRASES, keyword) ? PHRASES[keyword]!(params) : 'is not valid'
  return `${where} ${phrase}`
}

/** A JSON pointer into the request, kept to schema names and indexes, at most 100 characters. */
function path(value: unknown): string {
  if (typeof value !== 'string') return ''
  return value.replace(/[^A-Za-z0-9_/-]/g, '?').slice(0, 100)
}

function word(value: unknown): string {
  return typeof value === 'string' ? value.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40) : ''
}

function number(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '?'
}
