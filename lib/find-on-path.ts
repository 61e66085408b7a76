import { accessSync, constants, statSync } from 'node:fs'
import path from 'node:path'

/**
 * The first executable file called one of `names` in the folders of a PATH-style list (as a shell would pick it),
 * or null. On Windows the names are also tried with `.exe`.
 */
export function findOnPath(names: readonly string[], searchPath: string, platform = process.platform): string | null {
  const suffixes = platform === 'win32' ? ['.exe', ''] : ['']
  for (const dir of searchPath.split(platform === 'win32' ? ';' : ':')) {
    if (!dir) continue
    for (const name of names) {
      for (const suffix of suffixes) {
        const candidate = path.join(dir, name + suffix)
        if (isExecutableFile(candidate)) return candidate
      }
    }
  }
  return null
}

export function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false
    accessSync(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}
