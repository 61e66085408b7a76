import t from 'tap'
import { renderDetSvg } from '../../models/eval/det-plot.ts'

const series = [
  {
    label: 's',
    points: [
      { threshold: 0.1, fmr: 0.9, fnmr: 0.01 },
      { threshold: 0.5, fmr: 0.3, fnmr: 0.2 },
    ],
  },
]

t.test('axes: FMR/FNMR by default, named axes when given (APCER/BPCER for PAD)', async (t) => {
  const plain = renderDetSvg({ title: 'x', series, marks: [{ fmr: 0.01, fnmr: 0.05 }] })
  t.match(plain, /False match rate \(FMR, probit scale\)/)
  t.match(plain, />FNMR 5\.0%</)
  const axes = { x: 'APCER axis', y: 'BPCER axis', xShort: 'APCER', yShort: 'BPCER' }
  const pad = renderDetSvg({ title: 'x', series, marks: [{ fmr: 0.01, fnmr: 0.05 }], axes })
  t.match(pad, />APCER axis</)
  t.match(pad, />BPCER 5\.0%</)
  t.notMatch(pad, /FNMR|False match/)
})

t.test('maxRate raises the axes; a mark near the right edge is labelled to its left', async (t) => {
  const low = renderDetSvg({ title: 'x', series, marks: [{ fmr: 0.3, fnmr: 0.1 }] })
  t.notMatch(low, />80%</, 'by default the axes stop at 60%')
  const high = renderDetSvg({ title: 'x', series, marks: [{ fmr: 0.95, fnmr: 0.1 }], maxRate: 0.99 })
  t.match(high, />80%</)
  t.match(high, /text-anchor="end" y="[\d.]+">FNMR 10\.0%/, 'the value label ends at the dot')
  t.notMatch(low, /text-anchor="end">FNMR 10\.0%/, 'twin: a mark mid-plot is labelled to its right')
})
