import { describe, expect, test } from 'vitest'
import * as naming from '../../lib/commands/naming.ts'
import { makeConfig, staging, web, workers } from './fixture.ts'

describe('naming', () => {
  const config = makeConfig()

  test('container names carry service, role, destination and version', () => {
    expect(naming.containerPrefix(config, web)).toBe('app-web')
    expect(naming.containerPrefix(staging(), workers)).toBe('app-workers-staging')
    expect(naming.containerName(config, web, '999')).toBe('app-web-999')
    expect(naming.containerName(staging(), web, '999')).toBe('app-web-staging-999')
  })

  test('images and the latest tag follow the destination', () => {
    expect(naming.latestTag(config)).toBe('latest')
    expect(naming.latestTag(staging())).toBe('latest-staging')
    expect(naming.absoluteImage(config, '999')).toBe('dhh/app:999')
    expect(naming.latestImage(staging())).toBe('dhh/app:latest-staging')
  })

  test('service_with_version abbreviates to 7 characters unless the version has an underscore', () => {
    expect(naming.serviceWithVersion(config, '75bf6fa40b975cbd8aec05abf7164e0982f185ac')).toBe('app@75bf6fa')
    expect(naming.serviceWithVersion(config, '75bf6fa_uncommitted_0123456789abcdef')).toBe(
      'app@75bf6fa_uncommitted_0123456789abcdef',
    )
    expect(naming.abbreviatedVersion('v2')).toBe('v2')
  })

  test('remote paths live under run_directory, per service and destination', () => {
    expect(naming.envFilePath(config, web)).toBe('.kamal/env/roles/app-web.env')
    expect(naming.envFilePath(staging(), workers)).toBe('.kamal/env/roles/app-workers-staging.env')
    expect(naming.accessoryEnvFilePath(config, { service: 'app-mysql' } as never)).toBe(
      '.kamal/env/accessories/app-mysql.env',
    )
    expect(naming.lockDir(config)).toBe('.kamal/locks/app')
    expect(naming.lockDir(staging())).toBe('.kamal/locks/app-staging')
    expect(naming.auditLogPath(config)).toBe('.kamal/app-audit.log')
    expect(naming.auditLogPath(staging())).toBe('.kamal/app-staging-audit.log')
    expect(naming.cordDir(config, web, '12345678901234567890123456789012')).toBe(
      '.kamal/cords/app-web-12345678901234567890123456789012',
    )
  })

  test('host paths are made absolute from the home dir, like $(pwd)/…', () => {
    expect(naming.cordHostDir(config, web, { home: '/root', runId: 'abc' })).toBe('/root/.kamal/cords/app-web-abc')
    expect(naming.cordHostDir(makeConfig({ runDirectory: '/var/slipway' }), web, { home: '/root', runId: 'abc' })).toBe(
      '/var/slipway/cords/app-web-abc',
    )
    expect(naming.absolutePath('/home/deploy/', './x')).toBe('/home/deploy/x')
  })

  test('hostname: host cut to 51 characters, trailing dots removed, then the suffix', () => {
    expect(naming.hostnameFor('1.1.1.1', '0123456789ab')).toBe('1.1.1.1-0123456789ab')
    const long = `${'a'.repeat(50)}.example.com`
    expect(naming.hostnameFor(long, '0123456789ab')).toBe(`${'a'.repeat(50)}-0123456789ab`)
    expect(naming.hostnameFor(`${'b'.repeat(49)}..c`, 'ff')).toBe(`${'b'.repeat(49)}-ff`)
  })

  test('a clashing container is renamed to <version>_replaced_<hex>', () => {
    expect(naming.replacedName(config, web, '999', '0123456789abcdef')).toBe('app-web-999_replaced_0123456789abcdef')
  })
})
