import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { render, Secret, type Command } from '../../lib/shell/command.ts'

// Runs a built command through a real POSIX shell with a fake `docker` first on PATH, so the
// scripts' control flow is proven, not just their text. The fake logs each call's argv and then
// runs `body` (sh text that sees the call's arguments as "$@").

/** One run's outcome: exit code, output, the argv of every docker call, and the temp home it ran in. */
export interface FakeRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly calls: string[][]
  readonly home: string
}

/** The POSIX shells every remote program must run under: Debian's sh, bash, and busybox's ash. */
export const SHELLS: readonly (readonly [string, ...string[]])[] = [['dash'], ['bash'], ['busybox', 'sh']]

/** Extras for one run; all optional. */
export interface FakeOptions {
  readonly stdin?: string
  /**
   * The shell that runs the command (default `sh`, Debian's dash). A program (lib/commands/sh) runs
   * in it directly, as `<shell…> -c <text> sh <args…>`, instead of in the `sh -c` it renders to.
   */
  readonly shell?: readonly [string, ...string[]]
  /** Run in this directory instead of a fresh temp home. */
  readonly home?: string
  /** More environment variables (PATH and HOME are set by the fake). */
  readonly env?: Readonly<Record<string, string>>
  /** More fake programs on PATH, name → sh body (e.g. a `date` without %N). */
  readonly tools?: Readonly<Record<string, string>>
}

/** Runs `command` in `shell` (default dash as `sh`) with cwd = a fresh temp home. */
export function runWithFakeDocker(
  command: Command,
  body: string,
  { stdin = '', shell = ['sh'], home, env = {}, tools = {} }: FakeOptions = {},
): FakeRun {
  const dir = home ?? mkdtempSync(join(tmpdir(), 'slipway-cmd-'))
  const bin = mkdtempSync(join(tmpdir(), 'slipway-bin-'))
  const log = join(bin, 'calls.log')
  writeFileSync(
    join(bin, 'docker'),
    // One write per call (O_APPEND): calls a program makes at once (`&`) must not interleave in the log.
    `#!/bin/sh\n_us=$(printf '\\037') _l=''\nfor _a in "$@"; do _l="$_l$_a$_us"; done\nprintf '%s\\n' "$_l" >> "${log}"\n${body}\n`,
  )
  chmodSync(join(bin, 'docker'), 0o755)
  for (const [name, text] of Object.entries(tools)) {
    writeFileSync(join(bin, name), `#!/bin/sh\n${text}\n`)
    chmodSync(join(bin, name), 0o755)
  }
  const [program, ...shellArgs] = shell
  const args =
    command.kind === 'exec' && command.program !== undefined
      ? [...shellArgs, ...command.argv.slice(1).map((a) => (a instanceof Secret ? a.value : a))]
      : [...shellArgs, '-c', render(command, { redact: false })]
  const result = spawnSync(program, args, {
    cwd: dir,
    input: stdin,
    encoding: 'utf8',
    env: { ...env, PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: dir },
    timeout: 20_000,
  })
  const calls = existsSync(log)
    ? readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\x1f').slice(0, -1))
    : []
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls, home: dir }
}
