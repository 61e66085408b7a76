import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '../tokens/token-profile.ts'

/** The command-line options every kiosk command shares: where its server is, who the kiosk is, how it verifies. */
export const KIOSK_OPTIONS = {
  fixtures: { type: 'string' },
  server: { type: 'string' },
  embedded: { type: 'boolean', default: false },
  'operator-key': { type: 'string', default: process.env.OPERATOR_KEY },
  'kiosk-key': { type: 'string', default: process.env.KIOSK_KEY },
  'kiosk-id': { type: 'string', default: 'kiosk-1' },
  'control-point': { type: 'string', default: 'HKIA-T1' },
  issuer: { type: 'string', default: DEFAULT_ISSUER },
  audience: { type: 'string', default: DEFAULT_AUDIENCE },
  calibration: { type: 'string' },
  log: { type: 'string', default: 'out/kiosk-decisions.jsonl' },
  json: { type: 'string' },
} as const
