// npm run screenshots: PNGs of the kiosk screen and the dashboard for the README (docs/), taken by Chromium
// (playwright-core) with a fake camera playing fixture passenger clips through a live kiosk and a real server.
// The dashboard shows those decisions plus conventional e-Channel passengers logged as the load test does.
// First: without a Chromium, one line and exit 1 before anything starts.
import './check-chromium.ts'
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { launchChromium } from '../test-browser/helpers/browser.ts'
import { CONVENTIONAL_ID, startKioskRig } from '../test-browser/helpers/kiosk-rig.ts'

const OUT = 'docs'
await mkdir(OUT, { recursive: true })
const rig = await startKioskRig()
try {
  const clips = await rig.clips(['p01', 'p02', 'p08', 'p12'])
  let contactless = 0
  for (const [id, { file }] of clips) {
    for (
      let i = 0;
      i < 100 && (await fetch(`${rig.kiosk.url}/state`).then((r) => r.json())).phase !== 'WAITING_FOR_QR';
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const browser = await launchChromium({ cameraClip: file })
    try {
      const page = await browser.newPage({ viewport: { width: 1024, height: 640 } })
      await page.goto(rig.kioskPage())
      if (id === 'p01') {
        await page.waitForSelector('body[data-phase="WAITING_FOR_QR"]')
        await page.screenshot({ path: `${OUT}/kiosk-show-qr.png` })
      }
      await page.waitForFunction(
        () => (window as unknown as { __kioskMetrics: { decisions: unknown[] } }).__kioskMetrics.decisions.length > 0,
        undefined,
        { timeout: 60_000 },
      )
      if (id === 'p01') await page.screenshot({ path: `${OUT}/kiosk-approve.png` })
      contactless++
      process.stdout.write(`${id}: ${await page.getAttribute('#decision', 'data-decision')}\n`)
    } finally {
      await browser.close()
    }
  }

  // Conventional e-Channel passengers over the last ten minutes, about two for each contactless one (share ~32%).
  const now = Date.now()
  const events = Array.from({ length: contactless * 2 + 1 }, (_, i) => ({
    eventId: randomUUID(),
    kioskId: CONVENTIONAL_ID,
    controlPoint: 'TEST-CP',
    channel: 'conventional',
    decision: 'APPROVE',
    reason: null,
    score: null,
    modelVersion: null,
    kid: null,
    jtiHash: null,
    occurredAt: now - Math.round((i / (contactless * 2 + 1)) * 600_000),
    timings: { decodeMs: 0, verifyMs: 0, detectMs: 0, embedMs: 0, livenessMs: 0, matchMs: 0, totalMs: 0 },
  }))
  const posted = await fetch(`${rig.server.url}/v1/kiosk/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${rig.server.kioskKeys[CONVENTIONAL_ID]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  })
  if (!posted.ok) throw new Error(`conventional events: HTTP ${posted.status}`)

  const browser = await launchChromium()
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${rig.server.url}/dashboard`)
    await page.fill('#key', rig.server.operatorKey)
    await page.click('button[type=submit]')
    await page.waitForFunction(() => Number(document.getElementById('clearances')!.textContent) > 0)
    await page.screenshot({ path: `${OUT}/dashboard.png`, fullPage: true })
  } finally {
    await browser.close()
  }
  process.stdout.write(`wrote ${OUT}/kiosk-show-qr.png, ${OUT}/kiosk-approve.png, ${OUT}/dashboard.png\n`)
} finally {
  await rig.close()
}
