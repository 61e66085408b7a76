// The options every command that opens a kiosk shares (where its server is, who the kiosk is, how it verifies),
// declared once for commander, and their conversion into openKiosk's options.
import { Option, type Command } from 'commander'
import { usageError } from '../lib/cli/run-program.ts'
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, gateTokenPolicy } from '../tokens/token-profile.ts'
import type { KioskOptions, RemoteServer } from './kiosk.ts'

/** The connection options as commander hands them to an action. */
export interface ConnectionValues {
  server?: string
  embedded?: boolean
  operatorKey?: string
  kioskKey?: string
  kioskId: string
  controlPoint: string
  issuer: string
  audience: string
  calibration?: string
}

/** Adds --server / --embedded, the keys (from the environment too, never echoed in help) and the kiosk's identity. */
export function addConnectionOptions(command: Command): Command {
  return command
    .optionsGroup('Server and kiosk:')
    .option('--server <url>', 'a running server, e.g. http://127.0.0.1:8080')
    .addOption(new Option('--embedded', 'start a server of its own on a temporary database').conflicts('server'))
    .addOption(new Option('--operator-key <key>', 'operator key on --server (enrols residents)').env('OPERATOR_KEY'))
    .addOption(new Option('--kiosk-key <key>', "this kiosk's key on --server").env('KIOSK_KEY'))
    .option('--kiosk-id <id>', 'kiosk id: the one its key belongs to', 'kiosk-1')
    .option('--control-point <cp>', 'control point the kiosk stands at', 'HKIA-T1')
    .option('--issuer <iss>', 'token issuer the kiosk accepts', DEFAULT_ISSUER)
    .option('--audience <aud>', 'token audience the kiosk accepts', DEFAULT_AUDIENCE)
    .option('--calibration <file>', 'calibration file (default models/calibration.json)')
}

/**
 * The kiosk's server: 'embedded', or --server with the kiosk's key (and the operator key when the command enrols).
 * A missing choice or key is a usage error (exit 2).
 */
export function kioskServer(
  values: ConnectionValues,
  command: Command,
  needs: { operatorKey?: boolean } = {},
): RemoteServer | 'embedded' {
  if (values.embedded) return 'embedded'
  if (!values.server) usageError(command, 'give --server URL (with --kiosk-key) or --embedded')
  if (!values.kioskKey) usageError(command, '--kiosk-key KEY (or KIOSK_KEY) is required with --server')
  if (needs.operatorKey && !values.operatorKey)
    usageError(command, '--operator-key KEY (or OPERATOR_KEY) is required with --server: it enrols the fixtures')
  return {
    url: values.server,
    kioskKey: values.kioskKey,
    ...(values.operatorKey ? { operatorKey: values.operatorKey } : {}),
  }
}

/** Who the kiosk is and how it verifies, for openKiosk. */
export function kioskOptions(
  values: ConnectionValues,
): Pick<KioskOptions, 'identity' | 'tokenPolicy' | 'calibrationFile'> {
  return {
    identity: { kioskId: values.kioskId, controlPoint: values.controlPoint },
    tokenPolicy: gateTokenPolicy(values.issuer, values.audience),
    ...(values.calibration ? { calibrationFile: values.calibration } : {}),
  }
}
