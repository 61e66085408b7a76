import { Type, type Static } from 'typebox'
import { ID_PATTERNS } from '../../contract/ids.ts'

export const TokenResponse = Type.Object(
  {
    token: Type.String(),
    tokenId: Type.String(),
    expiresAt: Type.String(),
    qr: Type.Object({ png: Type.String(), svg: Type.String() }),
  },
  { additionalProperties: false },
)

export const TokenIdParams = Type.Object(
  { tokenId: Type.String({ pattern: ID_PATTERNS.jti }) },
  { additionalProperties: false },
)
export type TokenIdParams = Static<typeof TokenIdParams>

export const Jwks = Type.Object(
  {
    keys: Type.Array(
      Type.Object({
        kty: Type.String(),
        crv: Type.String(),
        x: Type.String(),
        y: Type.String(),
        kid: Type.String(),
        use: Type.String(),
        alg: Type.String(),
      }),
    ),
  },
  { additionalProperties: false },
)
