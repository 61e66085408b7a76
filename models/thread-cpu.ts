// CPU time of the calling thread, for per-stage CPU figures beside wall times (the machine is shared, so wall time
// alone says little). Linux only: /proc/thread-self/schedstat's first field is the thread's on-CPU time in ns.
// The file is opened once, by the thread that will read it, and re-read at offset 0.
import { openSync, readSync } from 'node:fs'

/** Returns a clock of this thread's CPU milliseconds, or null where the kernel does not offer it. */
export function threadCpuClock(): (() => number) | null {
  let fd: number
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r')
  } catch {
    return null
  }
  const buffer = Buffer.alloc(96)
  return () => {
    const n = readSync(fd, buffer, 0, buffer.length, 0)
    return Number(buffer.toString('latin1', 0, n).split(' ')[0]) / 1e6
  }
}
