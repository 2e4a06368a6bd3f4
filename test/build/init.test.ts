import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { scaffold, type ScaffoldStep } from '../../lib/build/init.ts'
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
const TASKS = ['tasks/deploy.ts', 'tasks/push.ts', 'tasks/redeploy.ts']
const files = (steps: ScaffoldStep[], action: ScaffoldStep['action']) =>
  steps.filter((s) => s.action === action).map((s) => s.file)

describe('scaffold', () => {
  test('creates deploy.yml, .env.example, .gitignore, executable sample hooks and the entry scripts', () => {
    const cwd = project()
    expect(files(scaffold({ cwd }), 'created')).toEqual([
      'deploy.yml',
      '.env.example',
      '.gitignore',
      ...SAMPLES,
      ...TASKS,
    ])
    for (const sample of SAMPLES) expect(statSync(join(cwd, sample)).mode & 0o111).toBe(0o111)
    expect(readFileSync(join(cwd, '.gitignore'), 'utf8')).toBe('.env\nnode_modules/\n')
    const deploy = readFileSync(join(cwd, 'tasks/deploy.ts'), 'utf8')
    expect(deploy).toMatch(
      /\nimport \{ main, deploySteps \} from 'slipway'\n\nvoid main\(\{ name: 'deploy', recipe: deploySteps \}\)\n$/,
    )
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

  test('never overwrites: existing files are kept and reported; a second run keeps everything', () => {
    const cwd = project()
    writeFileSync(join(cwd, 'deploy.yml'), 'mine\n')
    mkdirSync(join(cwd, 'hooks'))
    writeFileSync(join(cwd, 'hooks', 'pre-deploy.sample'), 'mine too\n')
    mkdirSync(join(cwd, 'tasks'))
    writeFileSync(join(cwd, 'tasks', 'deploy.ts'), '// ours\n')
    expect(files(scaffold({ cwd }), 'kept')).toEqual(['deploy.yml', 'hooks/pre-deploy.sample', 'tasks/deploy.ts'])
    expect(readFileSync(join(cwd, 'deploy.yml'), 'utf8')).toBe('mine\n')
    expect(readFileSync(join(cwd, 'hooks', 'pre-deploy.sample'), 'utf8')).toBe('mine too\n')
    expect(readFileSync(join(cwd, 'tasks', 'deploy.ts'), 'utf8')).toBe('// ours\n')
    const again = scaffold({ cwd })
    expect(files(again, 'created')).toEqual([])
    expect(files(again, 'updated')).toEqual([])
    expect(readFileSync(join(cwd, '.gitignore'), 'utf8')).toBe('.env\nnode_modules/\n')
  })

  test("Kamal's layout: config/deploy.yml is kept (no deploy.yml), .kamal/hooks gets the samples", () => {
    const cwd = project()
    mkdirSync(join(cwd, 'config'))
    writeFileSync(join(cwd, 'config/deploy.yml'), 'service: mine\n')
    mkdirSync(join(cwd, '.kamal/hooks'), { recursive: true })
    const steps = scaffold({ cwd })
    expect(steps[0]).toEqual({ file: 'config/deploy.yml', action: 'kept' })
    expect(files(steps, 'created')).not.toContain('deploy.yml')
    expect(files(steps, 'created')).toContain('.kamal/hooks/post-deploy.sample')
  })

  test('.env is added to an existing .gitignore once, without joining its last line', () => {
    const cwd = project()
    writeFileSync(join(cwd, '.gitignore'), 'node_modules')
    expect(scaffold({ cwd }).find((s) => s.file === '.gitignore')).toEqual({ file: '.gitignore', action: 'updated' })
    expect(readFileSync(join(cwd, '.gitignore'), 'utf8')).toBe('node_modules\n.env\n')
    expect(scaffold({ cwd }).find((s) => s.file === '.gitignore')).toEqual({ file: '.gitignore', action: 'kept' })
  })
})
