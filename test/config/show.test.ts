import { expect, test } from 'vitest'
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
