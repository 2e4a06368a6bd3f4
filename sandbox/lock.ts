import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { RunError } from './run.ts'

/**
 * Runs `fn` holding an instance's lock, so two test runs calling `up` at once don't both create
 * the same containers. mkdir is atomic; a lock whose owner process is gone is taken over.
 */
export async function withInstanceLock<T>(dir: string, fn: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  const lock = join(dir, '.lock')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      mkdirSync(lock)
      writeFileSync(join(lock, 'pid'), String(process.pid))
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      if (!ownerAlive(lock)) {
        rmSync(lock, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) throw new RunError(`another sandbox command holds ${lock} (pid ${owner(lock)})`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

const owner = (lock: string): number => {
  try {
    return Number(readFileSync(join(lock, 'pid'), 'utf8'))
  } catch {
    return 0
  }
}

function ownerAlive(lock: string): boolean {
  const pid = owner(lock)
  // Between mkdir and writing the pid the file is empty: treat as alive, the owner is mid-start.
  if (pid === 0) return true
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
