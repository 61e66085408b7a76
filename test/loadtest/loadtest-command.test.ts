import path from 'node:path'
import t from 'tap'
import { DEFAULT_PAD_DATASET, padDatasetFor } from '../../kiosk-sim/loadtest/pad-dataset.ts'

t.test(
  '--pad-dataset: the named set, else ../shared/pad when present, else synthetic only with a notice',
  async (t) => {
    const has = (dirs: string[]) => (file: string) => dirs.some((d) => file === path.join(d, 'manifest.json'))
    t.same(padDatasetFor('my/pad', has(['my/pad'])), { dataset: 'my/pad', notice: null })
    t.throws(() => padDatasetFor('my/pad', has([])), /has no manifest\.json/, 'a named set that is missing')
    t.same(padDatasetFor(undefined, has([DEFAULT_PAD_DATASET])), { dataset: DEFAULT_PAD_DATASET, notice: null })
    const none = padDatasetFor(undefined, has([]))
    t.equal(none.dataset, null)
    t.match(none.notice, /synthetic-screen only/)
    t.notMatch(none.notice, /\n/, 'one line')
    t.equal(DEFAULT_PAD_DATASET, path.resolve(import.meta.dirname, '../../../shared/pad'))
  },
)
