// /docs/json names its shared models under components.schemas, each with an example, and routes point at them
// ($ref) instead of repeating them inline; the HKID field shows a valid example.
import t from 'tap'
import { HKID_EXAMPLE } from '../../server/schemas/residents.ts'
import { buildTestApp } from '../helpers/test-app.ts'

const { app } = await buildTestApp(t)
const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json()

t.test('components.schemas: the named models, each with an example', async (t) => {
  const schemas = spec.components.schemas as Record<string, { example?: unknown }>
  t.same(Object.keys(schemas).sort(), [
    'EnrolmentResponse',
    'ErrorBody',
    'TemplateResponse',
    'TokenResponse',
    'WhoamiResponse',
  ])
  // OpenAPI 3.0 has one `example` per schema: the first of the TypeBox schema's examples.
  for (const [name, schema] of Object.entries(schemas)) t.type(schema.example, 'object', `${name} has an example`)
})

t.test('routes refer to the named models', async (t) => {
  const json = (path: string, method: string, status: string) =>
    spec.paths[path][method].responses[status].content['application/json'].schema
  t.same(json('/v1/tokens', 'post', '201'), { $ref: '#/components/schemas/TokenResponse' })
  t.same(json('/v1/residents', 'post', '201'), { $ref: '#/components/schemas/EnrolmentResponse' })
  t.same(json('/v1/whoami', 'get', '200'), { $ref: '#/components/schemas/WhoamiResponse' })
  t.same(json('/v1/residents', 'post', '422'), { $ref: '#/components/schemas/ErrorBody' })
  t.notMatch(JSON.stringify(spec), /"def-\d+"/, 'no anonymous def-N names')
})

t.test('the resident id shows a valid HKID example', async (t) => {
  const body = spec.paths['/v1/residents'].post.requestBody.content['application/json'].schema
  t.equal(body.properties.residentId.example, HKID_EXAMPLE)
})

t.test('positive twin: the served responses still match the models (a real token reply)', async (t) => {
  const whoami = await app.inject({
    method: 'GET',
    url: '/v1/whoami',
    headers: { authorization: 'Bearer operator-key-0123456789' },
  })
  t.same(whoami.json(), { role: 'operator' })
  const refused = await app.inject({ method: 'GET', url: '/v1/whoami' })
  t.same(Object.keys(refused.json().error).sort(), ['code', 'message', 'requestId'])
})
