import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'

/** Writes a report file, making its folder first (out/ need not exist). */
export async function writeOutput(file: string, content: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true })
  await writeFile(file, content)
}

/** A value as pretty JSON, one trailing newline. */
export function writeJson(file: string, value: unknown): Promise<void> {
  return writeOutput(file, `${JSON.stringify(value, null, 2)}\n`)
}
