// The schemas OpenAPI shows by name under components.schemas, each with an example. app.ts registers them with
// app.addSchema; routes point at them with schemaRef(), so each is written once in /docs/json.
import { ErrorBody } from './common.ts'
import { TemplateResponse } from './kiosk.ts'
import { EnrolmentResponse } from './residents.ts'
import { TokenResponse } from './tokens.ts'
import { WhoamiResponse } from './whoami.ts'

export const NAMED_SCHEMAS = [ErrorBody, EnrolmentResponse, TokenResponse, TemplateResponse, WhoamiResponse]
