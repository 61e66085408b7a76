// The kiosk screen in Chromium with a fake camera playing a passenger clip: the genuine resident is approved,
// the impostor (the resident's QR, another face) rejected; the screen shows no personal data; the gate fails
// closed without a kiosk. Prints the per-frame latency measured in the page.
import { readFile } from 'node:fs/promises'
import t, { type Test } from 'tap'
import type { Page } from 'playwright-core'
import { summarise } from '../lib/percentiles.ts'
import { launchChromium } from './helpers/browser.ts'
import { startKioskRig } from './helpers/kiosk-rig.ts'

interface FrameMetric {
  phase: string
  bytes: number
  captureMs: number
  roundTripMs: number
  serverMs: number | null
  skipped: boolean
}
interface DecisionMetric {
  decision: string
  captureToDecisionMs: number
  qrToDecisionMs: number
}
interface KioskMetrics {
  frames: FrameMetric[]
  decisions: DecisionMetric[]
  errors: number
  closedBecause?: string
}

const metricsOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { __kioskMetrics: KioskMetrics }).__kioskMetrics)
const fmt = (p: { p50: number; p95: number; p99: number }) =>
  `p50 ${p.p50.toFixed(1)} / p95 ${p.p95.toFixed(1)} / p99 ${p.p99.toFixed(1)} ms`

function report(label: string, m: KioskMetrics): string {
  const looked = m.frames.filter((f) => !f.skipped && f.serverMs !== null)
  const byPhase = (phase: string) => looked.filter((f) => f.phase === phase)
  const lines = [
    `${label}: ${m.frames.length} frames posted (${looked.length} processed), ` +
      `JPEG ${Math.round(summarise(m.frames.map((f) => f.bytes)).p50 / 1024)} KB p50`,
    `  capture+encode (canvas.toBlob)      ${fmt(summarise(m.frames.map((f) => f.captureMs)))}`,
    `  POST /frames round trip, all        ${fmt(summarise(looked.map((f) => f.roundTripMs)))}`,
    `  kiosk time, QR search frames        ${fmt(summarise(byPhase('WAITING_FOR_QR').map((f) => f.serverMs!)))}`,
    `  kiosk time, face frames             ` +
      `${fmt(summarise(looked.filter((f) => f.phase !== 'WAITING_FOR_QR').map((f) => f.serverMs!)))}`,
  ]
  const d = m.decisions[0]
  if (d)
    lines.push(
      `  decision ${d.decision}: face frame capture -> decision on screen ${d.captureToDecisionMs.toFixed(1)} ms; ` +
        `QR frame -> decision ${d.qrToDecisionMs.toFixed(1)} ms`,
    )
  return lines.join('\n')
}

t.test('kiosk screen with a fake camera', async (t) => {
  const rig = await startKioskRig()
  t.teardown(() => rig.close())
  const clips = await rig.clips(['p01', 'p08', 'p13'])
  const residents = JSON.parse(await readFile('fixtures/residents.json', 'utf8')) as Array<{
    residentId: string
    name: string
  }>

  // One browser at a time: each subtest closes its own, so that no other camera feeds the kiosk.
  const play = async (t: Test, clipFile: string, url = rig.kioskPage()) => {
    // The previous passenger's decision stays on the gate for its hold time: start on an idle gate.
    for (
      let i = 0;
      i < 100 && (await fetch(`${rig.kiosk.url}/state`).then((r) => r.json())).phase !== 'WAITING_FOR_QR';
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const browser = await launchChromium({ cameraClip: clipFile })
    t.teardown(() => browser.close())
    const page = await browser.newPage()
    const offOrigin: string[] = []
    page.on('request', (r) => {
      const u = new URL(r.url())
      if (u.origin !== new URL(rig.server.url).origin && u.origin !== new URL(rig.kiosk.url).origin)
        offOrigin.push(r.url())
    })
    await page.goto(url)
    return { page, offOrigin }
  }

  const TEXT = {
    APPROVE: 'Please proceed',
    REJECT: 'Not cleared. Please go to a counter.',
    REFER_TO_OFFICER: 'Please wait. An officer will assist you.',
  }
  // p13 shows a valid QR and then no face: after the face timeout (8 s) the gate refers.
  for (const [id, want] of [
    ['p01', 'APPROVE'],
    ['p08', 'REJECT'],
    ['p13', 'REFER_TO_OFFICER'],
  ] as const) {
    t.test(`${id} ${clips.get(id)!.clip.passenger.scenario}: the screen shows ${want}`, async (t) => {
      const { page, offOrigin } = await play(t, clips.get(id)!.file)
      await page.waitForSelector('body[data-phase="WAITING_FOR_QR"]', { timeout: 20_000 })
      t.equal(await page.textContent('#message'), 'Show the QR code on your phone to the camera')
      await page.waitForFunction(
        () => (window as unknown as { __kioskMetrics: KioskMetrics }).__kioskMetrics.decisions.length > 0,
        undefined,
        { timeout: 60_000 },
      )
      const metrics = await metricsOf(page)
      t.equal(metrics.decisions[0]!.decision, want, `first decision is ${want} (${JSON.stringify(metrics.decisions)})`)
      await page.waitForSelector(`#decision[data-decision="${want}"]`, { timeout: 2_000 })
      t.ok(await page.locator('#decision').isVisible(), 'decision shown')
      t.equal(await page.textContent('#decision-text'), TEXT[want])

      // Nothing about the person on screen: no name, no id, no token, no image, no score, no reason.
      const text = await page.evaluate(() => document.body.innerText)
      for (const r of residents) {
        t.notOk(text.includes(r.name), `name of ${r.residentId} not on screen`)
        t.notOk(text.includes(r.residentId), `id ${r.residentId} not on screen`)
      }
      t.notOk(text.includes(clips.get(id)!.clip.spec.qrText.slice(0, 20)), 'no token on screen')
      t.notMatch(text, /FACE_MISMATCH|NO_FACE|score|0\.9\d/, 'no reason or score on screen')
      t.equal(await page.locator('img').count(), 0, 'no image element')
      t.ok(await page.locator('video').isHidden(), 'the camera feed is not shown')
      t.same(offOrigin, [], 'no request outside the server and the kiosk')
      t.comment(report(`${id} (${want})`, metrics))
    })
  }

  t.test('the server got both decisions as clearance events', async (t) => {
    const stats = await fetch(`${rig.server.url}/v1/stats`, {
      headers: { authorization: `Bearer ${rig.server.operatorKey}` },
    }).then((r) => r.json())
    t.ok((stats.decisions.APPROVE ?? 0) >= 1, 'an APPROVE event')
    t.ok((stats.decisions.REJECT ?? 0) >= 1, 'a REJECT event')
    t.ok((stats.reasons.NO_FACE ?? 0) >= 1, 'a REFER_TO_OFFICER(NO_FACE) event')
    t.equal(stats.byKiosk['kiosk-browser'], stats.events)
  })

  t.test('fails closed: a kiosk URL off this machine, or none at all', async (t) => {
    const { page } = await play(
      t,
      clips.get('p01')!.file,
      `${rig.server.url}/kiosk?kiosk=${encodeURIComponent('http://203.0.113.7:8090')}`,
    )
    await page.waitForSelector('body[data-phase="CLOSED"]', { timeout: 10_000 })
    t.equal(await page.textContent('#message'), 'This gate is closed. Please use another channel.')
    t.equal((await metricsOf(page)).closedBecause, 'kiosk not configured')
    await page.goto(`${rig.server.url}/kiosk`)
    await page.waitForSelector('body[data-phase="CLOSED"]', { timeout: 10_000 })
    t.ok(await page.locator('#decision').isHidden(), 'no decision without a kiosk')
  })

  t.test('fails closed: a kiosk that is not there', async (t) => {
    const { page } = await play(t, clips.get('p01')!.file, rig.kioskPage('http://127.0.0.1:9'))
    await page.waitForSelector('body[data-phase="CLOSED"]', { timeout: 20_000 })
    t.equal((await metricsOf(page)).closedBecause, 'kiosk unavailable')
  })
})
