import type { FaceThresholds } from '../models/thresholds.ts'

/** Thresholds the gate decides with; they come from models/calibration.json (see models/thresholds.ts). */
export type KioskPolicy = FaceThresholds
