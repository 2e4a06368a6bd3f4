import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { scaffold } from '../../lib/build/init.ts'
import { parseConfig } from '../../lib/config/load.ts'
import { HOOK_NAMES } from '../../lib/hooks.ts'

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})
const project = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-init-'))
  dirs.push(dir)
  return dir
}
const SAMPLES = HOOK_NAMES.map((n) => `hooks/${n}.sample`).sort()

describe('scaffold', () => {
  test('creates deploy.yml, .env.example and executable sample hooks', () => {
    const cwd = project()
    expect(scaffold({ cwd })).toEqual({ created: ['deploy.yml', '.env.example', ...SAMPLES], kept: [] })
    for (const sample of SAMPLES) expect(statSync(join(cwd, sample)).mode & 0o111).toBe(0o111)
  })

  test('the deploy.yml template loads through the real config parser', () => {
    const cwd = project()
    scaffold({ cwd })
    const config = parseConfig(readFileSync(join(cwd, 'deploy.yml'), 'utf8'), {
      env: { KAMAL_REGISTRY_PASSWORD: 'x' },
      root: cwd,
    })
    expect(config.service).toBe('my-app')
    expect(config.repository).toBe('registry.example.com/my-user/my-app')
    expect(config.registry.password.value).toBe('x')
  })

  test('never overwrites: existing files are kept and reported', () => {
    const cwd = project()
    writeFileSync(join(cwd, 'deploy.yml'), 'mine\n')
    mkdirSync(join(cwd, 'hooks'))
    writeFileSync(join(cwd, 'hooks', 'pre-deploy.sample'), 'mine too\n')
    const result = scaffold({ cwd })
    expect(result.kept).toEqual(['deploy.yml', 'hooks/pre-deploy.sample'])
    expect(readFileSync(join(cwd, 'deploy.yml'), 'utf8')).toBe('mine\n')
    expect(readFileSync(join(cwd, 'hooks', 'pre-deploy.sample'), 'utf8')).toBe('mine too\n')
    expect(scaffold({ cwd }).created).toEqual([])
  })

  test('a custom hooks dir', () => {
    const cwd = project()
    expect(scaffold({ cwd, hooksDir: '.kamal/hooks' }).created).toContain('.kamal/hooks/post-deploy.sample')
  })
})
