import { resolve } from 'node:path'
import { CancelledError, CommandError, DeployError } from '../errors.ts'
import { render, secretsOf, type Command } from '../shell/command.ts'
import type { Executor, Result, RunOptions } from './executor.ts'
import { lineSplitter, scrub, scrubbedLines } from './output.ts'
import { lazily } from '../run/lazy.ts'

/** Where and with what environment local commands run, unless a call says otherwise. */
export interface LocalOptions {
  /** Project root; relative per-call `cwd`s resolve against it. */
  readonly cwd: string
  /** Added to `process.env` for every command (per-call `env` wins). */
  readonly env?: Readonly<Record<string, string>> | undefined
}

/** The zx executor for this machine (git, docker build/push, hooks), host `localhost`. */
export function localExecutor({ cwd, env: baseEnv = {} }: LocalOptions): Executor {
  const host = 'localhost'

  async function run(command: Command, options: RunOptions = {}): Promise<Result> {
    const { allowFailure = false, stdin, onOutput, signal } = options
    const shown = render(command, { redact: true, brief: true })
    if (signal?.aborted) throw new CancelledError(`cancelled \`${shown}\` on ${host}`)
    const secrets = secretsOf(command)
    const dir = resolve(cwd, options.cwd ?? '.')
    // zx loads with the first local command: `slipway config` without git needs none.
    const { $ } = await lazily(
      () => import('zx/core'),
      () => require('zx/core'),
    )
    // zx with /bin/sh and render() as the only quoting: zx's own quote() emits bash $'…', and its bash
    // prefix (`set -euo pipefail`) would change what `a ; b` means. Identity quote = the text runs as rendered.
    // detached: the command gets its own process group, so cancelling kills `a | b` and `a ; b` whole.
    const child = $({
      shell: '/bin/sh',
      prefix: '',
      postfix: '',
      quote: (s: string) => s,
      quiet: true,
      verbose: false,
      nothrow: true,
      detached: true,
      cwd: dir,
      env: { ...process.env, ...baseEnv, ...options.env },
      // No stdin means EOF at once (as over ssh), never the terminal; zx ignores an empty `input`.
      ...(stdin ? { input: stdin } : { stdio: ['ignore', 'pipe', 'pipe'] as const }),
    })`${render(command, { redact: false })}`
    const lines = scrubbedLines(onOutput, secrets)
    if (lines) {
      const out = lineSplitter(lines)
      const err = lineSplitter(lines)
      child.stdout.on('data', (c: Buffer) => out.push(c)).once('end', () => out.flush())
      child.stderr.on('data', (c: Buffer) => err.push(c)).once('end', () => err.flush())
    }

    const output = await new Promise<Awaited<typeof child>>((resolveRun, reject) => {
      const onAbort = () => {
        // The whole group: `sh -c` may have children of its own.
        // zx spawns synchronously, so the pid is known by now.
        if (child.pid) killGroup(child.pid)
        reject(new CancelledError(`cancelled \`${shown}\` on ${host}`))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      child.then(
        (o) => (signal?.removeEventListener('abort', onAbort), resolveRun(o)),
        (e: Error) => (signal?.removeEventListener('abort', onAbort), reject(e)),
      )
    })
    if (output.cause)
      throw new DeployError(
        `cannot run \`${shown}\` in ${dir}: ${output.cause.message.replace('spawn /bin/sh ', '')}`,
        { cause: output.cause },
      )
    const result: Result = { stdout: output.stdout, stderr: output.stderr, exitCode: output.exitCode }
    if (result.exitCode !== 0 && !allowFailure) {
      throw new CommandError(host, shown, result.exitCode, scrub(result.stderr, secrets), scrub(result.stdout, secrets))
    }
    return result
  }

  return { host, run }
}

/** How long a cancelled command's process group gets to end on SIGTERM before it gets SIGKILL. */
export const KILL_AFTER_MS = 2_000

/**
 * Ends a command's whole process group: SIGTERM, then SIGKILL for whatever is left after
 * {@link KILL_AFTER_MS} (a hook that traps or ignores SIGTERM, and its children). The timer keeps
 * this process alive until then, so nothing outlives the run.
 */
function killGroup(pid: number): void {
  if (!signalGroup(pid, 'SIGTERM')) return
  const started = Date.now()
  const check = setInterval(() => {
    if (!signalGroup(pid, 0)) return clearInterval(check)
    if (Date.now() - started < KILL_AFTER_MS) return
    signalGroup(pid, 'SIGKILL')
    clearInterval(check)
  }, 50)
}

/** Sends `signal` to process group `pid`; false when the group is gone. */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal)
    return true
  } catch {
    return false
  }
}
