import { mkdtemp, readFile, rm, stat, writeFile as fsWrite } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { CancelledError, CommandError, DeployError } from '../../lib/errors.ts'
import { localExecutor } from '../../lib/exec/local.ts'
import { writeFile } from '../../lib/exec/upload.ts'
import { and, cmd, pipe, script, Secret, seq } from '../../lib/shell/command.ts'
import { alive, eventually } from './proc.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-local-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const NASTY = [
  '',
  ' ',
  "it's",
  '$HOME',
  '`id`',
  'a\nb',
  '*',
  '~',
  'name=^x$',
  '{a,b}',
  'ünï',
  '\\',
  "'\\''",
  '-n',
  '--',
  '日本語 🚀',
  'x'.repeat(5000),
]

describe('localExecutor', () => {
  test('runs under /bin/sh with POSIX quoting: every nasty value comes back byte-for-byte', async () => {
    const local = localExecutor({ cwd: dir })
    expect(local.host).toBe('localhost')
    for (const value of NASTY) {
      expect((await local.run(cmd('printf', '%s', value))).stdout).toBe(value)
    }
    // 17 processes, and zx loads with the first: seconds on a loaded machine.
  }, 30_000)

  test('operators keep their sh meaning (no `set -e` prefix)', async () => {
    const local = localExecutor({ cwd: dir })
    expect((await local.run(seq(cmd('false'), cmd('echo', 'after')))).stdout).toBe('after\n')
    expect((await local.run(pipe(cmd('printf', 'b\\na\\n'), cmd('sort')))).stdout).toBe('a\nb\n')
  })

  test('cwd and env per call, merged over process.env, without touching process state', async () => {
    await fsWrite(join(dir, 'marker'), '')
    const local = localExecutor({ cwd: dir, env: { BASE: 'base', OVER: 'base' } })
    const cwdBefore = process.cwd()
    const show = script('printf "%s|%s|%s|%s" "$BASE" "$OVER" "$PWD" "${PATH:+has-path}"')
    expect((await local.run(show)).stdout).toBe(`base|base|${dir}|has-path`)
    expect((await local.run(show, { env: { OVER: 'call' }, cwd: '/' })).stdout).toBe('base|call|/|has-path')
    expect((await local.run(cmd('ls'), { cwd: '.' })).stdout).toBe('marker\n')
    expect(process.env.BASE).toBeUndefined()
    expect(process.cwd()).toBe(cwdBefore)
  })

  test('stdin is delivered; no stdin means EOF at once, not a hang', async () => {
    const local = localExecutor({ cwd: dir })
    expect((await local.run(cmd('cat'), { stdin: 'line 1\nline 2' })).stdout).toBe('line 1\nline 2')
    expect((await local.run(cmd('cat'))).stdout).toBe('')
    expect((await local.run(cmd('cat'), { stdin: Readable.from(['streamed ', 'in parts']) })).stdout).toBe(
      'streamed in parts',
    )
  })

  test('onOutput streams stdout and stderr lines before the command ends', async () => {
    const local = localExecutor({ cwd: dir })
    const lines: string[] = []
    let resolveSeen!: () => void
    const seen = new Promise<void>((r) => (resolveSeen = r))
    // The command waits for the test to have seen the first line: proof that lines arrive while it runs.
    const flag = join(dir, 'seen')
    const running = local.run(
      script('echo first; echo oops >&2; while [ ! -e "$1" ]; do sleep 0.01; done; printf last', flag),
      {
        onOutput: (l) => {
          lines.push(l)
          if (l === 'first') resolveSeen()
        },
      },
    )
    await seen
    await fsWrite(flag, '')
    const result = await running
    expect(result.stdout).toBe('first\nlast')
    expect(lines.sort()).toEqual(['first', 'last', 'oops'])
  })

  test('non-zero exit throws CommandError(localhost, redacted command) with secrets scrubbed from output', async () => {
    const local = localExecutor({ cwd: dir })
    const secret = new Secret('hunter2')
    const failing = and(cmd('echo', secret), script('echo "bad $1" >&2; exit 4', secret))
    const error = await local.run(failing).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommandError)
    expect(error).toMatchObject({ host: 'localhost', exitCode: 4, stderr: 'bad [REDACTED]\n', stdout: '[REDACTED]\n' })
    expect((error as CommandError).command).toBe(
      `echo '[REDACTED]' && sh -c 'echo "bad $1" >&2; exit 4' sh '[REDACTED]'`,
    )
    expect(JSON.stringify(error) + (error as Error).message).not.toContain('hunter2')
  })

  test('allowFailure resolves with the exit code and the raw output', async () => {
    const local = localExecutor({ cwd: dir })
    await expect(local.run(script('echo out; echo err >&2; exit 2'), { allowFailure: true })).resolves.toEqual({
      stdout: 'out\n',
      stderr: 'err\n',
      exitCode: 2,
    })
  })

  test('a missing cwd is a DeployError naming the directory', async () => {
    const local = localExecutor({ cwd: dir })
    await expect(local.run(cmd('true'), { cwd: 'nope' })).rejects.toThrow(
      new DeployError(`cannot run \`true\` in ${join(dir, 'nope')}: ENOENT`),
    )
  })

  test('abort kills the whole process group promptly and rejects with CancelledError', async () => {
    const local = localExecutor({ cwd: dir })
    const ac = new AbortController()
    const pidFile = join(dir, 'pids')
    // Two processes: a background child and a foreground one, so killing only `sh` would leave them.
    const running = local.run(script('sleep 30 & echo $! > "$1"; sleep 30', pidFile), { signal: ac.signal })
    expect(await eventually(async () => (await readFile(pidFile, 'utf8').catch(() => '')) !== '')).toBe(true)
    const started = performance.now()
    ac.abort()
    await expect(running).rejects.toBeInstanceOf(CancelledError)
    expect(performance.now() - started).toBeLessThan(1000)
    const pid = Number(await readFile(pidFile, 'utf8'))
    expect(await eventually(async () => !(await alive(pid)))).toBe(true)
  })

  test('an already aborted signal runs nothing', async () => {
    const local = localExecutor({ cwd: dir })
    await expect(local.run(cmd('touch', join(dir, 'never')), { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      CancelledError,
    )
    await expect(stat(join(dir, 'never'))).rejects.toThrow('ENOENT')
  })

  test('writeFile uploads through stdin with the given mode, creating parent directories', async () => {
    const local = localExecutor({ cwd: dir })
    await writeFile(local, 'env/roles/app web.env', "SECRET='hunter2'\n", { mode: '640' })
    const file = join(dir, 'env/roles/app web.env')
    expect(await readFile(file, 'utf8')).toBe("SECRET='hunter2'\n")
    expect((await stat(file)).mode & 0o777).toBe(0o640)
    expect((await stat(join(dir, 'env/roles'))).mode & 0o777).toBe(0o700)
  })
})
