// The dashboard in a real browser: it connects with a key, and its numbers follow clearance events posted
// through the kiosk API, live, without a reload.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { KIOSK_ID, OPERATOR_KEY, buildTestApp, kiosk } from '../test/helpers/test-app.ts'
import { launchChromium } from './helpers/browser.ts'

const event = (decision: string, reason: string | null, channel = 'contactless', totalMs = 140) => ({
  eventId: randomUUID(),
  kioskId: KIOSK_ID,
  controlPoint: 'HKIA-T1',
  channel,
  decision,
  reason,
  score: 0.97,
  modelVersion: 'm@1',
  kid: null,
  jtiHash: null,
  occurredAt: Date.now(),
  timings: { decodeMs: 7, verifyMs: 3, detectMs: 40, embedMs: 84, livenessMs: 5, matchMs: 0.1, totalMs },
})

t.test('dashboard updates live from posted clearance events', async (t) => {
  const { app } = await buildTestApp(t)
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  const browser = await launchChromium()
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const failed: string[] = []
  page.on('requestfailed', (r) => failed.push(r.url()))
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) failed.push(`off-origin ${r.url()}`)
  })
  await page.goto(`${base}/dashboard`)

  t.test('a wrong key is refused and the board stays hidden', async (t) => {
    await page.fill('#key', 'not-the-operator-key-000')
    await page.click('button[type=submit]')
    await page.waitForFunction(() => document.getElementById('login-error')!.textContent !== '')
    t.equal(await page.textContent('#login-error'), 'key refused')
    t.ok(await page.locator('#board').isHidden())
  })

  t.test('the right key connects, and numbers follow ingest', async (t) => {
    await page.fill('#key', OPERATOR_KEY)
    await page.click('button[type=submit]')
    await page.waitForSelector('#status[data-state="live"]')
    await page.waitForFunction(() => document.getElementById('clearances')!.textContent === '0')
    t.equal(await page.textContent('#share'), '-', 'no share without events')
    t.equal(await page.textContent('#reference'), '32.0%')
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42))

    const post = (events: unknown[]) =>
      fetch(`${base}/v1/kiosk/events`, {
        method: 'POST',
        headers: { ...kiosk, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      })
    t.equal(
      (
        await post([
          event('APPROVE', null),
          event('REJECT', 'FACE_MISMATCH', 'contactless', 180),
          event('APPROVE', null, 'conventional'),
        ])
      ).status,
      200,
    )
    await page.waitForFunction(() => document.getElementById('clearances')!.textContent === '3', undefined, {
      timeout: 4_000,
    })
    t.equal(await page.textContent('#share'), '66.7%')
    t.equal(await page.textContent('#contactless'), '2')
    t.equal(await page.textContent('#last-minute'), '3')
    t.equal(await page.textContent('#approved'), '50.0%')
    t.equal(await page.textContent('#decisions .row[data-name="REJECT"] .n'), '1')
    t.equal(await page.textContent('#reasons .row[data-name="FACE_MISMATCH"] .n'), '1')
    t.equal(await page.textContent('#latency tr[data-stage="totalMs"] td:nth-child(2)'), '140.0')
    t.equal(await page.textContent('#latency tr[data-stage="totalMs"] td:nth-child(4)'), '180.0')

    t.equal(
      (
        await post([
          event('APPROVE', null, 'conventional'),
          event('APPROVE', null, 'conventional'),
          event('REFER_TO_OFFICER', 'NO_FACE'),
        ])
      ).status,
      200,
    )
    await page.waitForFunction(() => document.getElementById('clearances')!.textContent === '6', undefined, {
      timeout: 4_000,
    })
    t.equal(await page.textContent('#share'), '50.0%')
    t.equal(await page.textContent('#reasons .row[data-name="NO_FACE"] .n'), '1')
    t.equal(await page.locator('#per-minute-chart svg rect').count(), 60, 'two bars per minute for 30 minutes')
    t.equal(
      await page.evaluate(() => (window as unknown as { marker?: number }).marker),
      42,
      'the page was not reloaded',
    )
    t.same(failed, [], 'every request went to the server, none failed')
  })
})
