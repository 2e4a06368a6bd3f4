import { spawn } from 'node:child_process'
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'

/** The pid in a pid file, if that process is alive and still runs `program` (a recycled pid is not ours). nginx rewrites its title, so match anywhere. */
export function livePid(pidFile: string, program: string): number | undefined {
  if (!existsSync(pidFile)) return undefined
  const pid = Number(readFileSync(pidFile, 'utf8').trim())
  if (!Number.isInteger(pid) || pid <= 0) return undefined
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    return cmdline.includes(program) && alive(pid) ? pid : undefined
  } catch {
    return undefined
  }
}

/** Starts a long-running program in its own session, output to `logFile`, and records its pid. */
export function startDetached(argv: readonly [string, ...string[]], pidFile: string, logFile: string): number {
  const out = openSync(logFile, 'a')
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', out, out] })
  child.unref()
  if (child.pid === undefined) throw new Error(`cannot start ${argv[0]}`)
  writeFileSync(pidFile, `${child.pid}\n`)
  return child.pid
}

/** Stops the process of a pid file (TERM, then KILL if it lingers) and removes the file; waits until it is gone. */
export async function stopPid(pidFile: string, program: string): Promise<boolean> {
  const pid = livePid(pidFile, program)
  rmSync(pidFile, { force: true })
  if (pid === undefined) return false
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + 5_000
  while (alive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL')
    await new Promise((r) => setTimeout(r, 20))
  }
  return true
}

function alive(pid: number): boolean {
  try {
    // A zombie still answers kill(0); its /proc status says Z.
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'))
  } catch {
    return false
  }
}
