// Where the load test's printed-photo attacks come from: a PAD set in the pad-eval manifest format.
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** ../shared/pad beside the repository: the PAD set's usual place. */
export const DEFAULT_PAD_DATASET = path.resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared/pad')

/**
 * Which PAD set the spoof scenario uses: the one named, else the default when it holds a manifest. Without one the
 * spoofs are synthetic renders only, and `notice` says so (one line). A named set that is missing is an error.
 */
export function padDatasetFor(
  flag: string | undefined,
  exists: (file: string) => boolean,
): { dataset: string | null; notice: string | null } {
  if (flag !== undefined) {
    if (!exists(path.join(flag, 'manifest.json'))) throw new Error(`--pad-dataset ${flag} has no manifest.json`)
    return { dataset: flag, notice: null }
  }
  if (exists(path.join(DEFAULT_PAD_DATASET, 'manifest.json'))) return { dataset: DEFAULT_PAD_DATASET, notice: null }
  return {
    dataset: null,
    notice: `load test: no PAD set at ${DEFAULT_PAD_DATASET} (--pad-dataset DIR): spoofs are synthetic-screen only`,
  }
}
