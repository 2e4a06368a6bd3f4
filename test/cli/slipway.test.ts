import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { COMMANDS } from '../../cli/commands.ts'
import { slipway } from '../../cli/slipway.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const dirs: string[] = []
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))
const project = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-cli-'))
  dirs.push(dir)
  return dir
}

async function call(argv: string[], cwd = project(), env: NodeJS.ProcessEnv = { PATH: process.env.PATH }) {
  const lines: string[] = []
  let out = ''
  const code = await slipway(argv, { cwd, env, write: (l) => lines.push(l), out: (t) => (out += t) })
  return { code, err: lines.join('\n'), out }
}

describe('slipway', () => {
  test('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
    expect(await call(['--version'])).toEqual({ code: 0, err: '', out: `${version}\n` })
  })

  test('--help lists every registered command with its summary; no command is exit 1', async () => {
    const { code, out } = await call(['--help'])
    expect(code).toBe(0)
    for (const { name, summary } of COMMANDS)
      expect(out).toMatch(new RegExp(`^  ${name} +${summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'))
    expect((await call([])).code).toBe(1)
  })

  test('every registered command loads, is named by its word, and has help', async () => {
    for (const registration of COMMANDS) {
      const command = await registration.load()
      expect(command.name, registration.name).toBe(registration.name)
      const { code, out } = await call([registration.name, '--help'])
      expect(code).toBe(0)
      expect(out).toMatch(new RegExp(`^usage: slipway ${registration.name} `))
    }
  })

  test('an unknown command names the known ones', async () => {
    const { code, err } = await call(['deplyo'])
    expect(code).toBe(1)
    expect(err).toBe(
      `error: unknown command deplyo: use one of ${COMMANDS.map((c) => c.name).join(', ')} (see slipway --help)`,
    )
  })

  test('config --json prints the resolved config with secrets redacted; a config error is one line, exit 1', async () => {
    const cwd = project()
    writeFileSync(
      join(cwd, 'deploy.yml'),
      'service: app\nimage: acme/app\nregistry: { username: u, password: [PW] }\nservers: { web: [127.0.9.1] }\n',
    )
    const { code, out, err } = await call(['config', '--json', '--version', 'v1'], cwd, { PW: 'secret-pw' })
    expect(code, err).toBe(0)
    expect(JSON.parse(out)).toMatchObject({ service_with_version: 'app-v1', version: 'v1' })
    expect(out).not.toContain('secret-pw')
    writeFileSync(join(cwd, 'deploy.yml'), 'service: App\n')
    const broken = await call(['config', '--version', 'v1'], cwd)
    expect(broken.code).toBe(1)
    expect(broken.err).toMatch(/^error: deploy\.yml:1:1 image: missing required key\n/)
    expect(broken.err).not.toContain('    at ')
  })
})

test('`slipway init` and `tasks/init.ts` are one command: scaffold, then keep what exists; a bad flag is exit 1', () => {
  const dir = project()
  const tsx = join(ROOT, 'node_modules/.bin/tsx')
  const first = spawnSync(join(ROOT, 'bin/slipway.js'), ['init'], { cwd: dir, encoding: 'utf8' })
  expect(first.status, first.stderr).toBe(0)
  expect(first.stdout).toMatch(
    /^Created deploy\.yml\nCreated \.env\.example\nCreated \.gitignore\nCreated hooks\/docker-setup\.sample\n/,
  )
  expect(first.stdout).toMatch(/\nCreated tasks\/deploy\.ts\nCreated tasks\/push\.ts\nCreated tasks\/redeploy\.ts\n$/)
  expect(statSync(join(dir, 'hooks/pre-deploy.sample')).mode & 0o111).not.toBe(0)
  const second = spawnSync(tsx, [join(ROOT, 'tasks/init.ts')], { cwd: dir, encoding: 'utf8' })
  expect(second.status, second.stderr).toBe(0)
  expect(second.stdout).not.toContain('Created')
  expect(second.stdout).toMatch(
    /^Kept deploy\.yml \(already exists\)\nKept \.env\.example \(already exists\)\nKept \.gitignore \(already ignores \.env\)\n/,
  )
  const bogus = spawnSync(join(ROOT, 'bin/slipway.js'), ['init', '--bogus'], { cwd: dir, encoding: 'utf8' })
  expect(bogus.status).toBe(1)
  expect(bogus.stderr).toMatch(/^error: Unknown option '--bogus'.* \(see --help\)\n$/)
}, 60_000)
