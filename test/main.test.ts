import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { run } from '../lib/main.ts'
import { deploy } from '../cli/deploy.ts'
import { DeployError } from '../lib/errors.ts'
import type { DeployContext } from '../lib/context.ts'

const YML = `service: app
image: acme/app
registry: { server: registry.example.com, username: deployer, password: [REGISTRY_PASSWORD] }
servers:
  web: [127.0.9.1, 127.0.9.2]
  workers: { hosts: [127.0.9.3], cmd: bin/jobs }
env:
  secret: [DB_PASSWORD]
proxy: { kind: caddy, image: registry.example.com/caddy }
`
const ENV = { REGISTRY_PASSWORD: 'pw-0123456789', DB_PASSWORD: 'db-0123456789', PATH: process.env.PATH ?? '' }

function project(yml = YML): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-main-'))
  writeFileSync(join(dir, 'deploy.yml'), yml)
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n')
  return dir
}

async function runDeploy(argv: string[], dir = project(), env: Record<string, string> = ENV) {
  const lines: string[] = []
  let out = ''
  const code = await run(deploy, {
    argv,
    cwd: dir,
    env,
    program: 'slipway deploy',
    write: (l) => lines.push(l),
    out: (t) => (out += t),
    renderer: 'silent',
  })
  return { code, lines, text: lines.join('\n'), out }
}

describe('run', () => {
  test('--help prints the shared flags and exits 0', async () => {
    const { code, out } = await runDeploy(['--help'])
    expect(code).toBe(0)
    expect(out).toMatch(/^usage: slipway deploy \[flags\]\n/)
    expect(out).toContain('--dry-run')
  })

  test('an unknown flag is a one-line error, exit 1', async () => {
    const { code, text } = await runDeploy(['--frobnicate'])
    expect(code).toBe(1)
    expect(text).toMatch(/^error: Unknown option '--frobnicate'.*\(see --help\)$/)
  })

  test('a config error prints file:line:col and no stack trace', async () => {
    const { code, text } = await runDeploy(
      ['--version', 'v1'],
      project(YML.replace('servers:', 'servers:\n  web2: []\nservrs: 1\nx:')),
    )
    expect(code).toBe(1)
    expect(text).toMatch(/^error: deploy\.yml:\d+:\d+ /)
    expect(text).not.toContain('    at ')
  })

  test('--dry-run prints every command per host in order, secrets redacted, and dials nothing', async () => {
    // 127.0.9.x (loopback) is never contacted: the recorder answers every command; a dial would fail the run.
    const { code, text } = await runDeploy(['--dry-run', '--version', 'v1'])
    expect(code, text).toBe(0)
    for (const host of ['127.0.9.1', '127.0.9.2', '127.0.9.3']) {
      const own = text.split('\n').filter((l) => l.startsWith(`${host}: `))
      // Workers create their container before the barrier opens (docker create), the primary role runs it (docker run).
      expect(own.findIndex((l) => l.includes('docker pull'))).toBeLessThan(
        own.findIndex((l) => / docker (run|create) /.test(l)),
      )
    }
    expect(text).toMatch(/^127\.0\.9\.1: .*mkdir .*\.kamal\/locks/m) // the lock is taken on the primary host only
    expect(text).not.toMatch(/^127\.0\.9\.2: .*\.kamal\/locks/m)
    expect(text).not.toContain(ENV.REGISTRY_PASSWORD)
    expect(text).not.toContain(ENV.DB_PASSWORD)
  })

  test('--hosts narrows the run to matching hosts, with wildcards', async () => {
    const { code, text } = await runDeploy(['--dry-run', '--version', 'v1', '--hosts', '127.0.9.[23]'])
    expect(code, text).toBe(0)
    expect(text).not.toMatch(/^127\.0\.9\.1: /m)
    expect(text).toMatch(/^127\.0\.9\.2: .*docker run/m)
    expect(text).toMatch(/^127\.0\.9\.3: .*docker create/m)
  })

  test("what a failing run found is still printed: warnings on stderr, the report on stdout (ctx.found's old names fill the same report)", async () => {
    const lines: string[] = []
    let out = ''
    const recipe = () => [
      {
        title: 'Read',
        task: (ctx: DeployContext) =>
          void (ctx.report.lines.push('Host: 127.0.9.1\nup'), ctx.report.warnings.push('uncommitted changes')),
      },
      { title: 'Fail', task: () => Promise.reject(new DeployError('127.0.9.2: no answer')) },
    ]
    const code = await run(
      { name: 'app', recipe },
      {
        argv: ['--version', 'v1'],
        cwd: project(),
        env: ENV,
        write: (l) => lines.push(l),
        out: (t) => (out += t),
        renderer: 'silent',
      },
    )
    expect(code).toBe(1)
    expect(out).toBe('Host: 127.0.9.1\nup\n')
    expect(lines.slice(0, 2)).toEqual(['warning: uncommitted changes', 'error: 127.0.9.2: no answer'])
    expect(lines[2]).toMatch(/^full log: \.slipway\/logs\/.+-app-\d+\.log$/)
    expect(lines).toHaveLength(3)
  })
})
