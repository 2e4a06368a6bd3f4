import { execFileSync, spawnSync } from 'node:child_process'
import { accessSync, constants, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { HOOK_NAMES } from '../../lib/hooks.ts'
import { git, tempRepo } from '../build/support.ts'

const HOOKS = new URL('../../hooks/', import.meta.url).pathname
const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const runSample = (name: string, env: Record<string, string>, cwd = tmpdir()) =>
  spawnSync(join(HOOKS, `${name}.sample`), { cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' })

describe('sample hooks', () => {
  test('one executable, sh-valid sample per hook name and nothing else runnable', () => {
    const files = readdirSync(HOOKS)
      .filter((f) => f !== 'README.md')
      .sort()
    expect(files).toEqual(HOOK_NAMES.map((n) => `${n}.sample`).sort())
    for (const file of files) {
      expect(() => accessSync(join(HOOKS, file), constants.X_OK)).not.toThrow()
      expect(() => execFileSync('sh', ['-n', join(HOOKS, file)])).not.toThrow()
    }
  })

  test('post-deploy reports version, hosts and runtime', () => {
    const out = runSample('post-deploy', {
      KAMAL_SERVICE_VERSION: 'app@75bf6fa',
      KAMAL_HOSTS: '1.1.1.1,1.1.1.2',
      KAMAL_RUNTIME: '42',
      KAMAL_PERFORMER: 'dhh',
    })
    expect(out.status).toBe(0)
    expect(out.stdout).toContain('Deployed app@75bf6fa to 1.1.1.1,1.1.1.2 in 42 s\n')
  })

  test('pre-deploy refuses an uncommitted build for production only', () => {
    const version = 'abc_uncommitted_0123456789abcdef'
    const refused = runSample('pre-deploy', { KAMAL_VERSION: version })
    expect(refused.status).toBe(1)
    expect(refused.stderr).toContain('Refusing to deploy')
    expect(runSample('pre-deploy', { KAMAL_VERSION: version, KAMAL_DESTINATION: 'staging' }).status).toBe(0)
  })

  test('pre-build passes on a clean, pushed checkout and fails on a dirty one', () => {
    const remote = mkdtempSync(join(tmpdir(), 'slipway-sample-remote-'))
    const repo = tempRepo()
    dirs.push(remote, repo)
    git(remote, 'init', '-q', '--bare')
    git(repo, 'remote', 'add', 'origin', remote)
    git(repo, 'push', '-q', 'origin', 'main')
    const env = { KAMAL_VERSION: git(repo, 'rev-parse', 'HEAD'), GIT_CONFIG_GLOBAL: '/dev/null' }
    expect(runSample('pre-build', env, repo).status).toBe(0)
    copyFileSync(join(repo, 'Dockerfile'), join(repo, 'Dockerfile.copy'))
    const dirty = runSample('pre-build', env, repo)
    expect(dirty.status).toBe(1)
    expect(dirty.stderr).toContain('uncommitted changes')
  })

  test('the README names every hook', () => {
    const readme = readFileSync(join(HOOKS, 'README.md'), 'utf8')
    for (const name of HOOK_NAMES) expect(readme).toContain(`\`${name}\``)
  })
})
