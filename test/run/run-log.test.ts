import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { CommandError } from '../../lib/errors.ts'
import { recorder } from '../../lib/exec/recorder.ts'
import { localExecutor } from '../../lib/exec/local.ts'
import { LOG_DIR, LOGS_KEPT, openRunLog, secretsIn } from '../../lib/run/run-log.ts'
import { cmd, script, Secret } from '../../lib/shell/command.ts'

const root = (): string => mkdtempSync(join(tmpdir(), 'slipway-runlog-'))
const text = (path: string): string => readFileSync(path, 'utf8')

describe('openRunLog', () => {
  test('every command with its host, output and exit code, timestamped; secrets and stdin never written', async () => {
    const log = openRunLog(root(), 'deploy')
    const password = new Secret('hunter2-very-secret')
    log.redact([new Secret('env-secret-42')])
    const inner = recorder({
      reply: (line) =>
        line.includes('login')
          ? { stdout: 'Login Succeeded\n', stderr: 'warning: hunter2-very-secret stored\n' }
          : { exitCode: 3, stderr: 'no such container env-secret-42' },
    }).executor('10.0.0.1')
    const host = log.executor(inner)
    await host.run(cmd('docker', 'login', '-u', 'me', '-p', password), { stdin: 'stdin-password' })
    await expect(host.run(cmd('docker', 'inspect', 'x'))).rejects.toThrow(CommandError)
    const written = text(log.path)
    const lines = written.trimEnd().split('\n')
    expect(lines.every((l) => /^\d\d:\d\d:\d\d\.\d{3} /.test(l))).toBe(true)
    expect(written).toContain("[10.0.0.1 #1] $ docker login -u me -p '[REDACTED]' (with stdin, not logged)")
    expect(written).toContain('[10.0.0.1 #1] out| Login Succeeded')
    expect(written).toContain('[10.0.0.1 #1] err| warning: [REDACTED] stored')
    expect(written).toMatch(/\[10\.0\.0\.1 #1\] exit 0 \(\d+ ms\)/)
    expect(written).toContain('[10.0.0.1 #2] err| no such container [REDACTED]')
    expect(written).toMatch(/\[10\.0\.0\.1 #2\] exit 3 \(\d+ ms\)/)
    for (const secret of ['hunter2-very-secret', 'env-secret-42', 'stdin-password'])
      expect(written).not.toContain(secret)
    expect(statSync(log.path).mode & 0o777).toBe(0o600)
  })

  test('streamed output is written as it arrives and still reaches the caller', async () => {
    const dir = root()
    const log = openRunLog(dir, 'push')
    const seen: string[] = []
    const local = log.executor(localExecutor({ cwd: dir, env: {} }))
    await local.run(script('echo one; sleep 0.05; echo two >&2'), { onOutput: (l) => seen.push(l) })
    expect(seen).toEqual(['one', 'two'])
    const written = text(log.path)
    expect(written).toContain('[localhost #1] | one')
    expect(written).toContain('[localhost #1] | two')
    expect(written).not.toContain('out| one')
  })

  test('lives in .slipway/logs, ignored by git, and keeps the newest logs only', () => {
    const dir = root()
    mkdirSync(join(dir, LOG_DIR), { recursive: true })
    for (let i = 0; i < LOGS_KEPT + 5; i++) {
      writeFileSync(join(dir, LOG_DIR, `2020-01-01T00-00-${String(i).padStart(2, '0')}Z-deploy-1.log`), '')
    }
    const log = openRunLog(dir, 'app-details', new Date('2026-12-04T10:11:12.345Z'))
    expect(log.path).toBe(join(dir, LOG_DIR, `2026-12-04T10-11-12Z-app-details-${process.pid}.log`))
    expect(text(join(dir, '.slipway', '.gitignore'))).toBe('*\n')
    const kept = readdirSync(join(dir, LOG_DIR)).sort()
    expect(kept).toHaveLength(LOGS_KEPT)
    expect(kept.at(-1)).toBe(`2026-12-04T10-11-12Z-app-details-${process.pid}.log`)
    expect(kept[0]).toBe('2020-01-01T00-00-06Z-deploy-1.log')
  })
})

describe('secretsIn', () => {
  test('finds every Secret in nested objects, arrays and maps, once', () => {
    const a = new Secret('a')
    const b = new Secret('b')
    const shared = { password: a }
    const found = secretsIn({ registry: shared, again: shared, env: { list: [b, 'plain'], map: new Map([['k', a]]) } })
    expect(found.map((s) => s.value).sort()).toEqual(['a', 'a', 'b'])
  })
})
