import { readFile } from 'node:fs/promises'

/** Running and not a zombie: an orphan killed here may wait for a PID 1 that never reaps it. */
export async function alive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat)
}

/** Polls `check` every few milliseconds until it holds or `ms` pass; returns its last answer. */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 2000): Promise<boolean> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) return false
    await new Promise((r) => setTimeout(r, 5))
  }
  return true
}
