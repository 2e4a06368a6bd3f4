import { readFileSync } from 'node:fs'
import { basename } from 'node:path'

/** A process above this one that started it: watched, so that its end cancels the run. */
export interface Launcher {
  readonly pid: number
  /** What it is, for the message: `npm exec tsx tasks/deploy.ts`. */
  readonly name: string
  /** Its start time (clock ticks since boot): a new process that reuses the pid is not it. */
  readonly started: string
}

/** One process's parent, start time and argv, from /proc; undefined where /proc has no such process. */
export function processInfo(pid: number): { ppid: number; started: string; argv: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so fields count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    return { ppid: Number(fields[1]), started: fields[19] ?? '', argv }
  } catch {
    return undefined
  }
}

// npm, npx, pnpm, yarn and tsx run a script for the user and add nothing of their own to wait for.
const RUNNERS = /^(npm|npx|pnpm|pnpx|yarn|tsx|slipway)(-cli)?(\.c?js|\.mjs)?$/
const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'busybox'])

/**
 * Whether a process only starts programs for the user: a package runner (its title, or node running
 * one), `sh -c` (how npm runs a script), or node running `script` (slipway's own relay process).
 */
export function isLauncher(argv: readonly string[], script: string | undefined): boolean {
  const [program = '', first = ''] = argv
  // npm and npx set their process title (`npm exec tsx tasks/deploy.ts`), one string in /proc.
  if (/^(npm|npx|pnpm|yarn) /.test(program)) return true
  const name = basename(program)
  if (RUNNERS.test(name)) return true
  if (SHELLS.has(name)) return first === '-c'
  if (/^node(js)?$/.test(name)) {
    const target = argv.find(
      (a, i) => i > 0 && !a.startsWith('-') && argv[i - 1] !== '--require' && argv[i - 1] !== '--import',
    )
    if (!target) return false
    return RUNNERS.test(basename(target)) || target.includes('/tsx/dist/cli') || target === script
  }
  return false
}

/**
 * The chain of launchers above `pid`, nearest first: it stops at the first process that is not one
 * (the user's shell, a CI runner, `timeout`, `nohup`…), whose own end says nothing about this run.
 */
export function launchersAbove(pid = process.pid, script = process.argv[1]): Launcher[] {
  const chain: Launcher[] = []
  let current = processInfo(pid)
  while (current && current.ppid > 1 && chain.length < 16) {
    const parent = processInfo(current.ppid)
    if (!parent || !isLauncher(parent.argv, script)) break
    chain.push({ pid: current.ppid, name: parent.argv.join(' ').slice(0, 80), started: parent.started })
    current = parent
  }
  return chain
}

/** The first launcher of `chain` that has ended (or whose pid now names another process). */
export function endedLauncher(chain: readonly Launcher[]): Launcher | undefined {
  return chain.find((l) => processInfo(l.pid)?.started !== l.started)
}
