import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, cpSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { loadConfig, loadConfigSync, parseConfig } from '../../lib/config/load.ts'
import { envFor } from '../../lib/config/env.ts'
import { requireSecrets } from '../../lib/config/secrets.ts'
import { ConfigError, DeployError } from '../../lib/errors.ts'
import { Secret } from '../../lib/shell/command.ts'

const FIXTURES = join(import.meta.dirname, '../fixtures')
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8')
const FULL_ENV = {
  KAMAL_REGISTRY_PASSWORD: 'reg-pw',
  RAILS_MASTER_KEY: 'mk',
  WORKER_TOKEN: 'wt',
  EXPERIMENT_KEY: 'ek',
  MYSQL_ROOT_PASSWORD: 'mpw',
}

describe('parseConfig: fixtures', () => {
  test('an unmodified Kamal 1.x config with every key loads', () => {
    const c = parseConfig(fixture('deploy.full.yml'), { env: FULL_ENV })
    expect(c.service).toBe('hey')
    expect(c.repository).toBe('registry.example.com:5000/37s/hey')
    expect(c.labels).toEqual({ 'app.team': 'platform', 'app.tier': 'web' })
    expect(c.registry.password).toBeInstanceOf(Secret)
    expect(c.registry.password.value).toBe('reg-pw')
    expect(c.roles.map((r) => [r.name, r.hosts, r.proxy, r.healthArgs])).toEqual([
      ['web', ['192.168.0.1', '192.168.0.2'], true, true],
      ['workers', ['192.168.0.3'], false, true],
    ])
    expect(c.roles[0]!.options).toEqual({ memory: '512m', 'add-host': ['db:10.0.0.9', 'cache:10.0.0.10'], init: true })
    expect(c.roles[0]!.tags).toEqual({ '192.168.0.2': ['edge'] })
    expect(c.env.clear).toEqual({ RAILS_LOG_TO_STDOUT: 'true', WEB_CONCURRENCY: '2' })
    expect(Object.keys(c.envTags)).toEqual(['edge', 'experimental'])
    expect(c.ssh).toMatchObject({
      user: 'app',
      port: 2222,
      proxy: 'root@bastion.example.com',
      keysOnly: true,
      verifyHostKey: 'accept-new',
      maxConcurrentStarts: 10,
    })
    expect(c.builder).toMatchObject({
      multiarch: false,
      remoteHost: 'ssh://app@192.168.0.9:2122',
      dockerfile: 'Dockerfile.production',
    })
    expect(c.builder.cache).toEqual({ type: 'registry', options: 'mode=max', image: '37s/hey-build-cache' })
    expect(c.builder.args).toEqual({ RUBY_VERSION: '3.3.0', BUNDLE_JOBS: '4' })
    expect(c.accessories.map((a) => [a.name, a.service, a.hosts, a.port])).toEqual([
      ['mysql', 'hey-mysql', ['192.168.0.4'], '3306:3306'],
      ['redis', 'hey-cache', ['192.168.0.3'], '127.0.0.1:6379:6379'],
      ['search', 'hey-search', ['192.168.0.5', '192.168.0.6'], undefined],
    ])
    expect(c.accessories[0]!.files).toEqual([{ local: 'config/mysql/production.cnf', remote: '/etc/mysql/my.cnf' }])
    expect(c.accessories[0]!.directories).toEqual([{ host: 'data', container: '/var/lib/mysql' }])
    expect(c.traefik).toMatchObject({
      image: 'traefik:v2.10',
      hostPort: 8080,
      args: { accesslog: true, 'accesslog.format': 'json' },
    })
    expect(c.proxy).toMatchObject({ kind: 'traefik', image: 'traefik:v2.10', hostPort: 8080, appPort: 80 })
    // 6 distinct hosts (roles + accessories): floor(6 * 25 / 100) = 1
    expect(c.boot).toEqual({ limit: 1, wait: 2 })
    expect(c.logging).toEqual({ driver: 'json-file', options: { 'max-size': '100m' } })
    expect(c.roles[1]!.logging).toEqual({ driver: 'journald', options: { 'max-size': '100m' } })
    expect(c).toMatchObject({
      retainContainers: 3,
      readinessDelay: 4,
      stopWaitTime: 20,
      assetPath: '/rails/public/assets',
    })
    expect(c.roles[1]!.assetPath).toBe('/public')
  })

  test('secrets never appear when the config is printed', () => {
    const text = JSON.stringify(parseConfig(fixture('deploy.full.yml'), { env: FULL_ENV }))
    for (const value of Object.values(FULL_ENV)) expect(text).not.toContain(value)
  })

  test('the resolved config is frozen', () => {
    const c = parseConfig(fixture('deploy.caddy.yml'))
    expect(() => (c.roles as unknown as unknown[]).push(1)).toThrow(TypeError)
  })

  test('caddy proxy and host key policy', () => {
    const c = parseConfig(fixture('deploy.caddy.yml'))
    expect(c.proxy).toEqual({
      kind: 'caddy',
      image: '10.0.0.1:5000/caddy:2',
      hostPort: 8080,
      appPort: 3000,
      hosts: ['app.example.com'],
      options: {},
    })
    expect(c.ssh.verifyHostKey).toBe('never')
  })

  test('remote builder keeps its own user and port in the URI', () => {
    const c = parseConfig(fixture('deploy.remote-builder.yml'))
    expect(c.builder.remoteHost).toBe('ssh://app@1.1.1.5:2122')
    expect(c.builder.remoteArch).toBe('amd64')
    expect(c.ssh).toMatchObject({ user: 'root', port: 22 })
  })

  test('accessories resolve host, hosts and roles', () => {
    const c = parseConfig(fixture('deploy.accessories.yml'))
    expect(c.accessories.map((a) => [a.service, a.hosts, a.port])).toEqual([
      ['app-mysql', ['1.1.1.5'], '3306:3306'],
      ['app-redis', ['1.1.1.1', '1.1.1.2', '1.1.1.3'], undefined],
      ['search', ['1.1.1.6', '1.1.1.7'], '127.0.0.1:7700:7700'],
    ])
  })

  test('ERB reads ENV, ENV.fetch and defaults', () => {
    const c = parseConfig(fixture('deploy.erb.yml'), {
      env: {
        IMAGE: 'img',
        SANDBOX_REGISTRY: '10.0.0.1:5000',
        REGISTRY_USER: 'bob',
        KAMAL_REGISTRY_PASSWORD: 'x',
        HOST1: '10.0.0.2',
      },
    })
    expect([c.service, c.image, c.registry.server, c.registry.username, c.roles[0]!.hosts]).toEqual([
      'app',
      'img',
      '10.0.0.1:5000',
      'bob',
      ['10.0.0.2'],
    ])
  })

  test('ERB with a missing ENV.fetch names the file, line and column', () => {
    expect(() =>
      parseConfig(fixture('deploy.erb.yml'), {
        file: 'deploy.erb.yml',
        env: { REGISTRY_USER: 'u', KAMAL_REGISTRY_PASSWORD: 'x' },
      }),
    ).toThrow(
      'deploy.erb.yml:5:15 <%= ENV.fetch("SANDBOX_REGISTRY") %>: SANDBOX_REGISTRY is not set (environment or .env) and ENV.fetch has no default',
    )
  })
})

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-config-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

describe('loadConfig', () => {
  const dest = (): string => {
    const dir = project({})
    for (const f of ['deploy.destinations.yml', 'deploy.destinations.staging.yml', 'deploy.destinations.broken.yml']) {
      cpSync(join(FIXTURES, f), join(dir, 'config', f.replace('.destinations', '')))
    }
    return dir
  }

  test('finds config/deploy.yml and deep-merges the destination over it', async () => {
    const cwd = dest()
    const c = await loadConfig({ cwd, destination: 'staging', env: { KAMAL_REGISTRY_PASSWORD: 'pw' } })
    expect(c.file).toBe('config/deploy.yml')
    expect(c.root).toBe(cwd)
    expect(c.destination).toBe('staging')
    expect(c.roles[0]!.hosts).toEqual(['2.2.2.2', '2.2.2.3'])
    expect(c.env.clear).toEqual({ RAILS_ENV: 'staging', LOG_LEVEL: 'info' })
  })

  test('errors name the file the key came from', () => {
    expect(() =>
      loadConfigSync({ cwd: dest(), destination: 'broken', env: { KAMAL_REGISTRY_PASSWORD: 'pw' } }),
    ).toThrow('config/deploy.broken.yml:3:11 servers.web.hots: unknown key')
  })

  test('a missing destination file is an error', () => {
    expect(() => loadConfigSync({ cwd: dest(), destination: 'nope', env: {} })).toThrow(
      new DeployError('configuration file not found: config/deploy.nope.yml (for -d nope)'),
    )
  })

  test('prefers ./deploy.yml, and -c picks another file relative to cwd', () => {
    const base = fixture('deploy.caddy.yml')
    const cwd = project({
      'deploy.yml': base,
      'config/deploy.yml': base.replace('service: app', 'service: other'),
      'ops/x.yml': base.replace('service: app', 'service: third'),
    })
    expect(loadConfigSync({ cwd, env: {} }).service).toBe('app')
    const c = loadConfigSync({ cwd, file: 'ops/x.yml', env: {} })
    expect([c.service, c.file]).toEqual(['third', 'ops/x.yml'])
    expect(() => loadConfigSync({ cwd, file: 'missing.yml', env: {} })).toThrow(
      'configuration file not found: missing.yml',
    )
    expect(() => loadConfigSync({ cwd: project({}), env: {} })).toThrow(/no deploy.yml or config\/deploy.yml/)
  })

  test('secrets: env < .env < .env.<destination>, and ERB sees them', () => {
    const cwd = dest()
    writeFileSync(join(cwd, '.env'), 'KAMAL_REGISTRY_PASSWORD=from-dotenv\nDB=one\n')
    writeFileSync(join(cwd, '.env.staging'), 'KAMAL_REGISTRY_PASSWORD="from-staging"\n')
    writeFileSync(join(cwd, 'config/deploy.staging.yml'), 'env:\n  secret: [DB]\n  clear:\n    X: <%= ENV["DB"] %>\n')
    const c = loadConfigSync({ cwd, destination: 'staging', env: { KAMAL_REGISTRY_PASSWORD: 'from-env', DB: 'zero' } })
    expect(c.registry.password.value).toBe('from-staging')
    expect(c.env.secret['DB']!.value).toBe('one')
    expect(c.env.clear['X']).toBe('one')
    expect(loadConfigSync({ cwd, env: { KAMAL_REGISTRY_PASSWORD: 'from-env' } }).registry.password.value).toBe(
      'from-dotenv',
    )
  })

  test('a missing secret does not stop the load; a run that uses it is told where the config names it', () => {
    const config = loadConfigSync({ cwd: dest(), env: {} })
    expect(config.missingSecrets).toEqual([
      {
        name: 'KAMAL_REGISTRY_PASSWORD',
        scope: 'registry',
        file: 'config/deploy.yml',
        line: 6,
        col: 14,
        key: 'registry.password[0]',
      },
    ])
    expect(() => requireSecrets(config, ['registry'])).toThrow(
      new ConfigError('config/deploy.yml', [
        {
          file: 'config/deploy.yml',
          line: 6,
          col: 14,
          path: ['registry.password[0]'],
          message: 'secret KAMAL_REGISTRY_PASSWORD is not set (environment or .env)',
        },
      ]),
    )
    expect(() => requireSecrets(config, ['app'])).not.toThrow()
  })

  test('tags: envFor merges root < role < tags in order', () => {
    const c = parseConfig(fixture('deploy.tags.yml'), { env: { PASSWORD: 'p', EXPERIMENT_KEY: 'k' } })
    const web = c.roles[0]!
    expect(envFor(c, web, '1.1.1.1').clear).toEqual({ TEST: 'root', SITE: 'none' })
    expect(envFor(c, web, '1.1.1.2').clear).toEqual({ TEST: 'root', SITE: 'site1' })
    const tagged = envFor(c, web, '1.1.1.3')
    expect(tagged.clear).toEqual({ TEST: 'root', SITE: 'experimental', EXPERIMENT: '1' })
    expect(Object.keys(tagged.secret)).toEqual(['PASSWORD', 'EXPERIMENT_KEY'])
  })
})
