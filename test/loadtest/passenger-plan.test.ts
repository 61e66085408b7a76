import t from 'tap'
import { DEFAULT_MIX, parseMix, planPassengers, REPLAY_DISTANCE } from '../../kiosk-sim/loadtest/passenger-plan.ts'

t.test('mix parsing normalises weights and rejects unknown names', async (t) => {
  const mix = parseMix('genuine=3,impostor=1')
  t.equal(mix.genuine, 0.75)
  t.equal(mix.impostor, 0.25)
  t.equal(mix.spoof, 0)
  t.throws(() => parseMix('genuine=1,teleport=1'), /unknown scenario/)
  t.throws(() => parseMix('genuine=-1'), /bad weight/)
  t.throws(() => parseMix('genuine=0'), /positive weight/)
})

t.test('plans are seeded, keep the share, and label the truth', async (t) => {
  const options = { passengers: 4000, mix: DEFAULT_MIX, contactlessShare: 0.32, residents: 8, seed: 7 }
  const plan = planPassengers(options)
  t.same(planPassengers(options), plan, 'same seed, same plan')
  t.not(JSON.stringify(planPassengers({ ...options, seed: 8 })), JSON.stringify(plan), 'another seed, another plan')
  const contactless = plan.filter((p) => p.channel === 'contactless')
  t.ok(
    Math.abs(contactless.length / plan.length - 0.32) < 0.03,
    `share ${(contactless.length / plan.length).toFixed(3)} near 0.32`,
  )
  for (const p of contactless) {
    if (p.scenario === 'impostor') t.not(p.faceOf, p.tokenOf, 'an impostor shows another face')
    if (p.scenario === 'genuine') t.equal(p.faceOf, p.tokenOf)
    if (p.scenario === 'replay') {
      const original = plan[p.replayOf!]!
      t.equal(original.scenario, 'genuine')
      t.ok(p.seq - original.seq >= REPLAY_DISTANCE, 'replays stay well behind their original')
      t.equal(p.tokenOf, original.tokenOf)
    }
    t.equal(p.truth.approve, p.scenario === 'genuine')
  }
  const scenarios = new Set(contactless.map((p) => p.scenario))
  t.equal(scenarios.size, 7, 'every scenario of the default mix occurs')
})

t.test('spoofs: two labelled species with a PAD set, synthetic renders only without one', async (t) => {
  const options = { passengers: 3000, mix: parseMix('genuine=1,spoof=1'), contactlessShare: 1, residents: 4, seed: 5 }
  const without = planPassengers(options)
  for (const p of without.filter((p) => p.scenario === 'spoof'))
    t.same(p.attack, { species: 'synthetic-screen', frame: p.faceOf })
  t.ok(
    without.every((p) => (p.scenario === 'spoof') === (p.attack !== null)),
    'only spoofs carry an attack',
  )

  const padAttacks = [5, 2]
  const withPad = planPassengers({ ...options, padAttacks })
  const printed = withPad.filter((p) => p.attack?.species === 'printed-photo')
  const screens = withPad.filter((p) => p.attack?.species === 'synthetic-screen')
  t.ok(printed.length > 100 && screens.length > 100, `${printed.length} printed, ${screens.length} screens`)
  for (const p of printed) {
    t.equal(p.tokenOf, p.faceOf, "the attack is shown with that resident's own token")
    t.ok(p.tokenOf >= 4 && p.tokenOf < 6, 'a PAD resident, after the fixture residents')
    t.ok(p.attack!.frame >= 0 && p.attack!.frame < padAttacks[p.tokenOf - 4]!, 'one of their attack frames')
    t.same(p.truth, { approve: false, reason: null })
  }
  t.same(new Set(printed.map((p) => p.tokenOf)), new Set([4, 5]), 'every PAD resident is used')
  const others = (plan: typeof withPad) => plan.filter((p) => p.scenario !== 'spoof')
  t.same(others(withPad), others(without), 'every other passenger is as it was without the PAD set')
})
