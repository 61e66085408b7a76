import type { FaceEngine } from '../../models/face-types.ts'
import type { AdmissionDeps } from './admit-token.ts'
import type { RecordDeps } from './clearance-record.ts'

/** Everything a gate needs for a passenger, whichever flow clears them: clearPassenger, or GateDriver per frame. */
export interface GateDeps extends AdmissionDeps, Omit<RecordDeps, 'policy'> {
  engine: FaceEngine
}
