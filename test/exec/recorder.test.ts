import { describe, expect, test } from 'vitest'
import { CancelledError, CommandError } from '../../lib/errors.ts'
import { recorder } from '../../lib/exec/recorder.ts'
import { writeFile, writeFileCommand } from '../../lib/exec/upload.ts'
import { argv, cmd, pipe, Secret } from '../../lib/shell/command.ts'

describe('recorder', () => {
  test('logs "<host>: <redacted text>" per run and replies with success by default', async () => {
    const rec = recorder()
    const result = await rec
      .executor('10.0.0.1')
      .run(pipe(cmd('echo', new Secret('pw')), cmd('docker', 'login', '--password-stdin')))
    expect(result).toEqual({ stdout: '', stderr: '', exitCode: 0 })
    expect(rec.log).toEqual(["10.0.0.1: echo '[REDACTED]' | docker login --password-stdin"])
  })

  test('stdin is never logged, only marked', async () => {
    const rec = recorder()
    await rec.executor('h').run(cmd('cat'), { stdin: 'PASSWORD=hunter2' })
    expect(rec.log).toEqual(['h: cat (stdin)'])
  })

  test('appends to a shared log and reports each line as it is recorded', async () => {
    const log = ['before']
    const seen: string[] = []
    const rec = recorder({ log, onRecord: (l) => seen.push(l) })
    await rec.executor('a').run(cmd('x'))
    await rec.executor('b').run(cmd('y'))
    expect(rec.log).toBe(log)
    expect(log).toEqual(['before', 'a: x', 'b: y'])
    expect(seen).toEqual(['a: x', 'b: y'])
  })

  test('replies (sync or async) are merged into the result and streamed to onOutput', async () => {
    const rec = recorder({
      reply: async (line) => (line.includes('ps') ? { stdout: 'c1\nc2\n', stderr: 'warn' } : undefined),
    })
    const lines: string[] = []
    const result = await rec.executor('h').run(cmd('docker', 'ps'), { onOutput: (l) => lines.push(l) })
    expect(result).toEqual({ stdout: 'c1\nc2\n', stderr: 'warn', exitCode: 0 })
    expect(lines).toEqual(['c1', 'c2', 'warn'])
  })

  test('a non-zero reply throws CommandError like the real executors, with secrets scrubbed', async () => {
    const secret = new Secret('s3cr3t')
    const rec = recorder({ reply: () => ({ exitCode: 1, stderr: 'mkdir: File exists (s3cr3t)' }) })
    const error = await rec
      .executor('h')
      .run(cmd('mkdir', 'lock', secret))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommandError)
    expect(error).toMatchObject({
      host: 'h',
      command: "mkdir lock '[REDACTED]'",
      exitCode: 1,
      stderr: 'mkdir: File exists ([REDACTED])',
    })
    expect((error as Error).message).toBe(
      "h: `mkdir lock '[REDACTED]'` exited with 1:\nmkdir: File exists ([REDACTED])",
    )
  })

  test('allowFailure resolves with the failed result', async () => {
    const rec = recorder({ reply: () => ({ exitCode: 3, stdout: 'out' }) })
    await expect(rec.executor('h').run(cmd('false'), { allowFailure: true })).resolves.toEqual({
      stdout: 'out',
      stderr: '',
      exitCode: 3,
    })
  })

  test('an aborted signal cancels without recording', async () => {
    const rec = recorder()
    const ac = new AbortController()
    ac.abort()
    await expect(rec.executor('h').run(cmd('x'), { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError)
    expect(rec.log).toEqual([])
  })
})

describe('upload', () => {
  test('writeFileCommand passes path and mode as positional parameters', () => {
    expect(argv(writeFileCommand('.kamal/env/roles/app-web.env', '600'))).toEqual([
      'sh',
      '-c',
      'umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"',
      'sh',
      '.kamal/env/roles/app-web.env',
      '600',
    ])
  })
  test('writeFile sends the content on stdin only', async () => {
    const rec = recorder()
    await writeFile(rec.executor('h'), '/etc/app.env', 'SECRET=hunter2\n', { mode: '640' })
    expect(rec.log).toEqual([
      `h: sh -c 'umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1" && chmod "$2" "$1"' sh /etc/app.env 640 (stdin)`,
    ])
    expect(rec.log.join()).not.toContain('hunter2')
  })
})
