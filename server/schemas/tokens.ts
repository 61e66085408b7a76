import { Type, type Static } from 'typebox'
import { ID_PATTERNS } from '../../contract/ids.ts'

export const TokenResponse = Type.Object(
  {
    token: Type.String(),
    tokenId: Type.String(),
    expiresAt: Type.String(),
    qr: Type.Object({ png: Type.String(), svg: Type.String() }),
  },
  {
    $id: 'TokenResponse',
    additionalProperties: false,
    examples: [
      {
        token: 'eyJhbGciOiJFUzI1NiIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl',
        tokenId: 'q7Xz4f1c2b7e9d3aK0pL',
        expiresAt: '2026-12-06T07:32:00.000Z',
        qr: { png: '/v1/tokens/q7Xz4f1c2b7e9d3aK0pL/qr.png', svg: '/v1/tokens/q7Xz4f1c2b7e9d3aK0pL/qr.svg' },
      },
    ],
  },
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
