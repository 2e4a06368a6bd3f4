import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import * as traefik from '../../lib/commands/traefik.ts'
import { config as configCommand } from '../../cli/config.ts'
import { deploy } from '../../cli/deploy.ts'
import { parseConfig } from '../../lib/config/load.ts'
import { select } from '../../lib/config/selection.ts'
import { configSummary } from '../../lib/config/show.ts'
import { run } from '../../lib/main.ts'
import { render } from '../../lib/shell/command.ts'

// Each gap between slipway and Kamal 1.9.3 found on real configs, shown on a small config.

const REG = 'registry:\n  username: u\n  password: p\n'
const yml = (body: string): string => `service: app\nimage: app\n${body}${REG}`

describe('role order', () => {
  const config = parseConfig(
    yml('servers:\n  workers: [1.1.1.3]\n  web: [1.1.1.1, 1.1.1.2]\n  api: [1.1.1.4, 1.1.1.1]\n'),
  )

  test('roles are sorted by name as Kamal 1.9.3 lists them, and hosts follow that order', () => {
    expect(config.roles.map((r) => r.name)).toEqual(['api', 'web', 'workers'])
    expect(configSummary(config, { version: 'v1' })).toMatchObject({
      roles: ['api', 'web', 'workers'],
      hosts: ['1.1.1.4', '1.1.1.1', '1.1.1.2', '1.1.1.3'],
      primary_host: '1.1.1.1',
    })
  })

  test('a run still boots the primary role first, and its hosts first', () => {
    const selection = select(config)
    expect(selection.roles.map((r) => r.name)).toEqual(['web', 'api', 'workers'])
    expect(selection.hosts).toEqual(['1.1.1.1', '1.1.1.2', '1.1.1.4', '1.1.1.3'])
  })
})

describe('values Kamal 1.9.3 accepts', () => {
  test('traefik.host_port as an address to bind', () => {
    const config = parseConfig(yml('servers: [1.1.1.1]\ntraefik:\n  host_port: "10.0.0.3:80"\n'))
    expect([config.traefik.hostIp, config.traefik.hostPort]).toEqual(['10.0.0.3', 80])
    expect(render(traefik.run(config), { redact: true })).toContain(' --publish 10.0.0.3:80:80 ')
    expect(parseConfig(yml('servers: [1.1.1.1]\ntraefik:\n  host_port: 8080\n')).traefik.hostPort).toBe(8080)
  })

  test('numbers and booleans wherever Kamal validates a string (its "stringish")', () => {
    const config = parseConfig(
      [
        'service: 42',
        'image: 7',
        'minimum_version: 1.5',
        'servers:',
        '  web:',
        '    hosts: [1.1.1.1]',
        '    cmd: 100',
        // Not behind the proxy, where an asset_path is never used (behind it, it must be an absolute path).
        '  workers:',
        '    hosts: [1.1.1.3]',
        '    asset_path: 1',
        'volumes: [3]',
        'healthcheck:',
        '  path: 1',
        '  max_attempts: "10"',
        '  port: "80"',
        'ssh:',
        '  user: 1000',
        '  port: "2222"',
        'builder:',
        '  dockerfile: 2',
        '  args: {RUBY_VERSION: 3.0, YJIT: true}',
        'logging:',
        '  driver: 1',
        '  options: {max-file: 5}',
        'accessories:',
        '  db:',
        '    image: 16',
        '    host: 1.1.1.2',
        '    port: 5432',
        'env:',
        '  secret: [123]',
        REG,
      ].join('\n'),
      { env: { '123': 'x' } },
    )
    expect([config.service, config.image, config.minimumVersion, config.volumes]).toEqual(['42', '7', '1.5', ['3']])
    expect([config.roles[0]!.cmd, config.roles[1]!.assetPath]).toEqual(['100', '1'])
    expect(config.healthcheck).toMatchObject({ path: '1', maxAttempts: 10, port: 80 })
    expect([config.ssh.user, config.ssh.port]).toEqual(['1000', 2222])
    expect([config.builder.dockerfile, config.builder.args]).toEqual(['2', { RUBY_VERSION: '3.0', YJIT: 'true' }])
    expect(config.logging).toEqual({ driver: '1', options: { 'max-file': '5' } })
    expect(config.accessories[0]).toMatchObject({ image: '16', port: '5432:5432' })
  })
})

describe('secrets are needed when used', () => {
  const SECRETS = yml(
    'servers: [1.1.1.1]\nenv:\n  secret: [DB_PASSWORD, API_KEY]\naccessories:\n  db:\n    image: pg\n    host: 1.1.1.2\n    env:\n      secret: [PG_PASSWORD]\n',
  ).replace('password: p', 'password: [KAMAL_REGISTRY_PASSWORD]')

  function project(): string {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-secrets-'))
    writeFileSync(join(dir, 'deploy.yml'), SECRETS)
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n')
    return dir
  }

  test('the config prints, redacted, with none of them set', async () => {
    let out = ''
    let err = ''
    const code = await run(configCommand, {
      argv: ['--json', '--version', 'v1'],
      cwd: project(),
      env: { PATH: process.env['PATH'] },
      out: (s) => void (out += s),
      write: (s) => void (err += s),
    })
    expect([code, err]).toEqual([0, ''])
    expect(JSON.parse(out)).toMatchObject({
      roles: ['web'],
      accessories: { db: { env: { secret: { PG_PASSWORD: '[REDACTED]' } } } },
    })
  })

  test('a deploy stops before connecting anywhere, naming every missing secret it uses at once', async () => {
    const lines: string[] = []
    let connections = -1
    const code = await run(deploy, {
      argv: ['--version', 'v1'],
      cwd: project(),
      env: { PATH: process.env['PATH'] ?? '' },
      write: (l) => lines.push(l),
      renderer: 'silent',
      onStats: (s) => (connections = s.connections),
    })
    expect(code).toBe(1)
    expect(lines[0]).toBe(
      [
        'error: deploy.yml:14:14 registry.password[0]: secret KAMAL_REGISTRY_PASSWORD is not set (environment or .env)',
        'deploy.yml:5:12 env.secret[0]: secret DB_PASSWORD is not set (environment or .env)',
        'deploy.yml:5:25 env.secret[1]: secret API_KEY is not set (environment or .env)',
      ].join('\n'),
    )
    expect(connections).toBe(0)
  })

  test('a dry run shows what would happen and warns', async () => {
    const lines: string[] = []
    const code = await run(deploy, {
      argv: ['--version', 'v1', '--dry-run'],
      cwd: project(),
      env: { PATH: process.env['PATH'] ?? '' },
      write: (l) => lines.push(l),
      renderer: 'silent',
    })
    expect(code).toBe(0)
    expect(lines).toContain(
      'warning: secrets not set: KAMAL_REGISTRY_PASSWORD, DB_PASSWORD, API_KEY (a real run stops before changing anything)',
    )
  })
})

describe('config --json speaks Kamal', () => {
  test('healthcheck and logging in the names and forms Kamal prints', () => {
    const config = parseConfig(
      yml(
        'servers: [1.1.1.1]\nhealthcheck:\n  port: 80\n  max_attempts: 3\nlogging:\n  driver: json-file\n  options:\n    max-size: 100m\n    tag: "{{.Name}} $x"\n',
      ),
    )
    const summary = configSummary(config, { version: 'v1' })
    expect(summary['healthcheck']).toEqual({
      cmd: 'curl -f http://localhost/up || exit 1',
      interval: '1s',
      max_attempts: 3,
      port: 80,
      path: '/up',
      cord: '/tmp/kamal-cord',
      log_lines: 50,
    })
    expect(summary['logging']).toEqual([
      '--log-driver',
      '"json-file"',
      '--log-opt',
      'max-size="100m"',
      '--log-opt',
      'tag="{{.Name}} \\$x"',
    ])
    expect(configSummary(parseConfig(yml('servers: [1.1.1.1]\n')), { version: 'v1' })['logging']).toEqual([
      '--log-opt',
      'max-size="10m"',
    ])
  })
})
