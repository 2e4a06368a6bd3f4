import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { loadConfigSync, parseConfig } from '../../lib/config/load.ts'
import { configSummary, configSummaryYaml } from '../../lib/config/show.ts'
import { BASE_ENV, makeConfig } from '../support/config.ts'

test('configSummary uses Kamal key names', () => {
  const s = configSummary(makeConfig(), { version: 'abc123' })
  expect(s).toMatchObject({
    roles: ['web', 'workers'],
    hosts: ['1.1.1.1', '1.1.1.2', '1.1.1.3'],
    primary_host: '1.1.1.1',
    version: 'abc123',
    repository: 'registry.example.com/dhh/app',
    absolute_image: 'registry.example.com/dhh/app:abc123',
    service_with_version: 'app-abc123',
    volume_args: [],
    ssh_options: {
      user: 'root',
      port: 22,
      keepalive: true,
      keepalive_interval: 30,
      log_level: 'fatal',
      verify_host_key: 'accept-new',
    },
    sshkit: { max_concurrent_starts: 30, pool_idle_timeout: 900 },
    logging: ['--log-opt', 'max-size="10m"'],
    healthcheck: {
      cmd: 'curl -f http://localhost:3000/up || exit 1',
      interval: '1s',
      max_attempts: 7,
      port: 3000,
      path: '/up',
      cord: '/tmp/kamal-cord',
      log_lines: 50,
    },
  })
})

test('secrets are redacted in printed output', () => {
  const config = makeConfig(
    'service: app\nimage: app\nregistry:\n  username: u\n  password: [KAMAL_REGISTRY_PASSWORD]\nservers: [1.1.1.1]\nssh:\n  key_data: [PRIVATEKEYDATA]\naccessories:\n  db:\n    image: pg\n    host: 1.1.1.2\n    env:\n      secret: [DATABASE_PASSWORD]\n',
  )
  const text = configSummaryYaml(config, { version: 'v1' }) + JSON.stringify(configSummary(config, { version: 'v1' }))
  for (const secret of [...Object.values(BASE_ENV), 'PRIVATEKEYDATA']) expect(text).not.toContain(secret)
  expect(text).toContain('[REDACTED]')
})

describe('builder, as `kamal config` prints it (Builder#to_h: the `builder:` hash of the file)', () => {
  const base = `service: app
image: dhh/app
registry: { username: u, password: [KAMAL_REGISTRY_PASSWORD] }
servers: [1.1.1.1]
`
  const env = { KAMAL_REGISTRY_PASSWORD: 'pw', SHA: 'abc123' }

  test('as written after ERB: its own keys and scalars, no defaults, no resolved fields', () => {
    const config = parseConfig(
      `${base}builder:
  multiarch: false
  remote:
    arch: amd64
    host: ssh://app@1.1.1.5
  args:
    COMMIT_SHA: <%= ENV["SHA"] %>
    RUBY_VERSION: 3.3
    BUNDLE_JOBS: 4
  cache:
    type: registry
`,
      { env },
    )
    const printed = JSON.parse(JSON.stringify(configSummary(config, { version: 'v1' })))
    expect(printed.builder).toEqual({
      multiarch: false,
      remote: { arch: 'amd64', host: 'ssh://app@1.1.1.5' },
      // A float is read as the text Ruby prints for it (psych-scalar.ts); integers stay numbers.
      args: { COMMIT_SHA: 'abc123', RUBY_VERSION: '3.3', BUNDLE_JOBS: 4 },
      cache: { type: 'registry' },
    })
    expect(configSummaryYaml(config, { version: 'v1' })).toContain(
      'builder:\n  multiarch: false\n  remote:\n    arch: amd64\n    host: ssh://app@1.1.1.5\n  args:\n    COMMIT_SHA: abc123\n    RUBY_VERSION: "3.3"\n    BUNDLE_JOBS: 4\n  cache:\n    type: registry\n',
    )
  })

  test('an empty hash without a builder section', () => {
    expect(configSummary(parseConfig(base, { env }), { version: 'v1' })['builder']).toEqual({})
  })

  test("a destination's builder is deep-merged over the base's, as Kamal merges the files", () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-show-'))
    writeFileSync(join(dir, 'deploy.yml'), `${base}builder:\n  multiarch: false\n  args: { A: 1 }\n`)
    writeFileSync(join(dir, 'deploy.staging.yml'), 'builder:\n  args: { B: two }\n')
    const config = loadConfigSync({ cwd: dir, destination: 'staging', env })
    expect(configSummary(config, { version: 'v1' })['builder']).toEqual({ multiarch: false, args: { A: 1, B: 'two' } })
  })
})
