// Pure: who walks up to the gates, in what order, and what the right outcome is for each.

import { mulberry32 } from '../../lib/mulberry32.ts'

export const LOAD_SCENARIOS = ['genuine', 'impostor', 'expired', 'replay', 'forged', 'noface', 'spoof'] as const
export type LoadScenario = (typeof LOAD_SCENARIOS)[number]
export type Mix = Record<LoadScenario, number>

export const DEFAULT_MIX: Mix = {
  genuine: 0.8,
  impostor: 0.05,
  expired: 0.03,
  replay: 0.03,
  forged: 0.03,
  noface: 0.03,
  spoof: 0.03,
}

/**
 * Presentation attack instrument species of the `spoof` scenario (ISO/IEC 30107-3 counts APCER per species):
 * real printed photos from the PAD set (NUAA) of residents enrolled from that set, and the synthetic phone-screen
 * renders of a fixture resident (frames.ts screenReplayFrame).
 */
export const ATTACK_SPECIES = ['printed-photo', 'synthetic-screen'] as const
export type AttackSpecies = (typeof ATTACK_SPECIES)[number]

/** The truth label: what a correct gate does. Spoofs and unreadable cases only need "not approved". */
export interface Truth {
  approve: boolean
  reason: string | null
}

export interface PlannedPassenger {
  seq: number
  channel: 'contactless' | 'conventional'
  scenario: LoadScenario | null
  /** Index of the resident whose token is shown. */
  tokenOf: number
  /** Index of the resident whose face is shown (differs for impostors). */
  faceOf: number
  /** For replays: the seq of the earlier passenger whose token is shown again. */
  replayOf: number | null
  /**
   * For spoofs: the species and which attack frame is shown: for printed-photo the index among that PAD
   * resident's attack frames, for synthetic-screen the fixture resident whose render is shown (= faceOf).
   */
  attack: { species: AttackSpecies; frame: number } | null
  truth: Truth
}

const TRUTH: Record<LoadScenario, Truth> = {
  genuine: { approve: true, reason: null },
  impostor: { approve: false, reason: 'FACE_MISMATCH' },
  expired: { approve: false, reason: 'TOKEN_EXPIRED' },
  replay: { approve: false, reason: 'TOKEN_REPLAYED' },
  forged: { approve: false, reason: 'TOKEN_INVALID' },
  noface: { approve: false, reason: 'NO_FACE' },
  spoof: { approve: false, reason: null },
}

/** "genuine=0.8,impostor=0.1,..." -> normalised mix; unknown names or negative weights throw. */
export function parseMix(text: string): Mix {
  const mix: Mix = { genuine: 0, impostor: 0, expired: 0, replay: 0, forged: 0, noface: 0, spoof: 0 }
  for (const part of text.split(',').filter(Boolean)) {
    const [name, value] = part.split('=')
    const weight = Number(value)
    if (!LOAD_SCENARIOS.includes(name as LoadScenario)) throw new Error(`unknown scenario ${name} in --mix`)
    if (!(weight >= 0) || !Number.isFinite(weight)) throw new Error(`bad weight for ${name} in --mix`)
    mix[name as LoadScenario] = weight
  }
  const total = LOAD_SCENARIOS.reduce((sum, s) => sum + mix[s], 0)
  if (!(total > 0)) throw new Error('--mix needs a positive weight')
  for (const s of LOAD_SCENARIOS) mix[s] /= total
  return mix
}

/** Keeps a replay well behind its original, so that two kiosks working in parallel meet them in order. */
export const REPLAY_DISTANCE = 24

export interface PlanOptions {
  passengers: number
  mix: Mix
  /** Share of e-Channel passengers who use the contactless channel. */
  contactlessShare: number
  residents: number
  seed: number
  /**
   * Attack frames of each resident enrolled from the PAD set; those residents come after the fixture residents
   * (index residents + j). Empty or absent: every spoof is a synthetic-screen render.
   */
  padAttacks?: readonly number[]
}

export function planPassengers(options: PlanOptions): PlannedPassenger[] {
  if (options.residents < 2) throw new Error('a load test needs at least two residents')
  const random = mulberry32(options.seed)
  const pick = (n: number) => Math.floor(random() * n)
  // Attacks draw from a stream of their own, so that adding a PAD set leaves every other passenger as it was.
  const attackRandom = mulberry32(options.seed ^ 0x5bd1e995)
  const padAttacks = options.padAttacks ?? []
  const plan: PlannedPassenger[] = []
  const genuineSeqs: number[] = []
  for (let seq = 0; seq < options.passengers; seq++) {
    const resident = pick(options.residents)
    if (random() >= options.contactlessShare) {
      plan.push({
        seq,
        channel: 'conventional',
        scenario: null,
        tokenOf: resident,
        faceOf: resident,
        replayOf: null,
        attack: null,
        truth: { approve: true, reason: null },
      })
      continue
    }
    let scenario = drawScenario(options.mix, random())
    const original = genuineSeqs.filter((s) => s <= seq - REPLAY_DISTANCE)
    if (scenario === 'replay' && original.length === 0) scenario = 'genuine'
    const replayOf = scenario === 'replay' ? original[pick(original.length)]! : null
    let tokenOf = replayOf !== null ? plan[replayOf]!.tokenOf : resident
    let faceOf = scenario === 'impostor' ? (tokenOf + 1 + pick(options.residents - 1)) % options.residents : tokenOf
    let attack: PlannedPassenger['attack'] = null
    if (scenario === 'spoof') {
      if (padAttacks.length > 0 && attackRandom() < 0.5) {
        const j = Math.floor(attackRandom() * padAttacks.length)
        tokenOf = faceOf = options.residents + j
        attack = { species: 'printed-photo', frame: Math.floor(attackRandom() * padAttacks[j]!) }
      } else attack = { species: 'synthetic-screen', frame: faceOf }
    }
    if (scenario === 'genuine') genuineSeqs.push(seq)
    plan.push({ seq, channel: 'contactless', scenario, tokenOf, faceOf, replayOf, attack, truth: TRUTH[scenario] })
  }
  return plan
}

function drawScenario(mix: Mix, u: number): LoadScenario {
  let acc = 0
  for (const s of LOAD_SCENARIOS) {
    acc += mix[s]
    if (u < acc) return s
  }
  return 'genuine'
}
