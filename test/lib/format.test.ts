import t from 'tap'
import { pct, round } from '../../lib/format.ts'

t.test('round keeps hundredths by default', async (t) => {
  t.equal(round(12.3456), 12.35)
  t.equal(round(12.3456, 1), 12.3)
  t.equal(round(-0.004), -0)
})

t.test('pct: a share as a percentage, n/a when there is none', async (t) => {
  t.equal(pct(0.0123), '1.23%')
  t.equal(pct(0.32, 1), '32.0%')
  t.equal(pct(0.001, 3), '0.100%')
  t.equal(pct(Number.NaN), 'n/a')
  t.equal(pct(null), 'n/a')
  t.equal(pct(Number.POSITIVE_INFINITY), 'n/a')
})
