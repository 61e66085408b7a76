import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, gateTokenPolicy } from '../tokens/token-profile.ts'
import type { KioskOptions, RemoteServer } from './kiosk.ts'

/** Where a kiosk's server is, who the kiosk is, how it verifies: every command that opens a kiosk takes these. */
export const CONNECTION_OPTIONS = {
  server: { type: 'string' },
  embedded: { type: 'boolean', default: false },
  'operator-key': { type: 'string', default: process.env.OPERATOR_KEY },
  'kiosk-key': { type: 'string', default: process.env.KIOSK_KEY },
  'kiosk-id': { type: 'string', default: 'kiosk-1' },
  'control-point': { type: 'string', default: 'HKIA-T1' },
  issuer: { type: 'string', default: DEFAULT_ISSUER },
  audience: { type: 'string', default: DEFAULT_AUDIENCE },
  calibration: { type: 'string' },
} as const

/** The options of the commands that play passengers through a kiosk (run, on fixtures or on a camera or video). */
export const KIOSK_OPTIONS = {
  ...CONNECTION_OPTIONS,
  fixtures: { type: 'string' },
  log: { type: 'string', default: 'out/kiosk-decisions.jsonl' },
  json: { type: 'string' },
} as const

/** CONNECTION_OPTIONS as parseArgs returns them. */
export interface ConnectionValues {
  server?: string
  embedded?: boolean
  'operator-key'?: string
  'kiosk-key'?: string
  'kiosk-id'?: string
  'control-point'?: string
  issuer?: string
  audience?: string
  calibration?: string
}

/** The kiosk's server: 'embedded', or --server with the kiosk's key; null when that key is missing. */
export function kioskServer(values: ConnectionValues): RemoteServer | 'embedded' | null {
  if (values.embedded) return 'embedded'
  if (!values.server || !values['kiosk-key']) return null
  return {
    url: values.server,
    kioskKey: values['kiosk-key'],
    ...(values['operator-key'] ? { operatorKey: values['operator-key'] } : {}),
  }
}

/** Who the kiosk is and how it verifies, for openKiosk. */
export function kioskOptions(
  values: ConnectionValues,
): Pick<KioskOptions, 'identity' | 'tokenPolicy' | 'calibrationFile'> {
  return {
    identity: { kioskId: values['kiosk-id']!, controlPoint: values['control-point']! },
    tokenPolicy: gateTokenPolicy(values.issuer, values.audience),
    ...(values.calibration ? { calibrationFile: values.calibration } : {}),
  }
}
