import { describe, expect, test } from 'vitest'
import { makeConfig, role } from '../support/config.ts'

const REG = 'registry:\n  username: u\n  password: p\n'
const yml = (body: string): string => `service: app\nimage: app\n${REG}${body}`

describe('normalize: defaults', () => {
  test('Kamal 1.9 defaults', () => {
    const c = makeConfig(yml('servers: [1.1.1.1]\n'))
    expect(c).toMatchObject({
      primaryRole: 'web',
      hooksPath: '.kamal/hooks',
      retainContainers: 5,
      readinessDelay: 7,
      stopWaitTime: undefined,
      runDirectory: '.kamal',
      allowEmptyRoles: false,
      requireDestination: false,
      repository: 'app',
    })
    expect(c.ssh).toMatchObject({
      user: 'root',
      port: 22,
      logLevel: 'fatal',
      verifyHostKey: 'accept-new',
      maxConcurrentStarts: 30,
      poolIdleTimeout: 900,
    })
    expect(c.builder).toMatchObject({ multiarch: true, dockerfile: 'Dockerfile', context: undefined, cache: undefined })
    expect(c.traefik).toMatchObject({ image: 'traefik:v2.11', hostPort: 80, publish: true })
    expect(c.proxy).toEqual({
      kind: 'traefik',
      image: 'traefik:v2.11',
      hostPort: 80,
      appPort: 80,
      hosts: [],
      options: {},
    })
    expect(c.logging).toEqual({ driver: undefined, options: { 'max-size': '10m' } })
    expect(c.healthcheck).toEqual({
      cmd: 'curl -f http://localhost:3000/up || exit 1',
      path: '/up',
      port: 3000,
      interval: '1s',
      maxAttempts: 7,
      cord: '/tmp/kamal-cord',
      logLines: 50,
    })
    expect(c.boot).toEqual({ limit: undefined, wait: undefined })
  })

  test('a bare server list is role web, which is the proxy role', () => {
    const web = role(makeConfig(yml('servers: [1.1.1.1, 1.1.1.2]\n')), 'web')
    expect([web.hosts, web.primary, web.proxy]).toEqual([['1.1.1.1', '1.1.1.2'], true, true])
  })
})

describe('normalize: healthcheck (Kamal semantics)', () => {
  const c = makeConfig(
    yml(
      `healthcheck:\n  port: 80\n  max_attempts: 3\nservers:\n  web:\n    hosts: [1.1.1.1]\n    healthcheck:\n      path: /health\n  jobs:\n    hosts: [1.1.1.2]\n  api:\n    hosts: [1.1.1.3]\n    healthcheck:\n      port: 4000\n  edge:\n    hosts: [1.1.1.4]\n    traefik: true\n`,
    ),
  )

  test('proxy roles deep-merge their healthcheck over the root one and always get health args', () => {
    expect(role(c, 'web').healthcheck).toMatchObject({
      port: 80,
      path: '/health',
      maxAttempts: 3,
      cmd: 'curl -f http://localhost/health || exit 1',
    })
    expect(role(c, 'web').healthArgs).toBe(true)
    expect(role(c, 'edge').healthcheck).toMatchObject({ port: 80, path: '/up', maxAttempts: 3 })
    expect(role(c, 'edge').healthArgs).toBe(true)
  })

  test('other roles use only their own healthcheck; health args only when they set one', () => {
    expect(role(c, 'jobs').healthcheck).toMatchObject({ port: 3000, maxAttempts: 7 })
    expect(role(c, 'jobs').healthArgs).toBe(false)
    expect(role(c, 'api').healthcheck).toMatchObject({
      port: 4000,
      path: '/up',
      maxAttempts: 7,
      cmd: 'curl -f http://localhost:4000/up || exit 1',
    })
    expect(role(c, 'api').healthArgs).toBe(true)
  })

  test('cord: false disables the cord', () => {
    expect(makeConfig(yml('servers: [1.1.1.1]\nhealthcheck:\n  cord: false\n')).healthcheck.cord).toBe(false)
  })
})

describe('normalize: boot limit', () => {
  const hosts = (n: number): string =>
    `servers: [${Array.from({ length: n }, (_, i) => `1.1.1.${i + 1}`).join(', ')}]\n`
  test.each([
    [hosts(4), 'limit: 3', 3],
    [hosts(4), 'limit: 25%', 1],
    [hosts(10), 'limit: 25%', 2],
    [hosts(3), 'limit: "10%"', 1],
  ])('%s %s → %i', (servers, limit, expected) => {
    expect(makeConfig(yml(`${servers}boot:\n  ${limit}\n  wait: 2\n`)).boot).toEqual({ limit: expected, wait: 2 })
  })

  test('percentages count accessory hosts too', () => {
    const c = makeConfig(
      yml(`${hosts(2)}accessories:\n  db:\n    image: pg\n    hosts: [1.1.1.3, 1.1.1.4]\nboot:\n  limit: 50%\n`),
    )
    expect(c.boot.limit).toBe(2)
  })
})

describe('normalize: registry, ssh, logging, env', () => {
  test('registry username from the environment and password literal', () => {
    const c = makeConfig(
      'service: app\nimage: app\nregistry:\n  server: r.example\n  username: [REG_USER]\n  password: literal\nservers: [1.1.1.1]\n',
      { env: { REG_USER: 'bob' } },
    )
    expect(c.registry.username).toBe('bob')
    expect(String(c.registry.password)).toBe('[REDACTED]')
    expect(c.registry.password.value).toBe('literal')
    expect(c.repository).toBe('r.example/app')
  })

  test('ssh proxy gets root@ when it has no user', () => {
    expect(makeConfig(yml('servers: [1.1.1.1]\nssh:\n  proxy: 10.0.0.1\n')).ssh.proxy).toBe('root@10.0.0.1')
    expect(makeConfig(yml('servers: [1.1.1.1]\nssh:\n  proxy: app@10.0.0.1:2222\n')).ssh.proxy).toBe(
      'app@10.0.0.1:2222',
    )
  })

  test('role logging merges over root logging', () => {
    const c = makeConfig(
      yml(
        'servers:\n  web:\n    hosts: [1.1.1.1]\n    logging:\n      options:\n        max-file: 3\nlogging:\n  driver: json-file\n  options:\n    max-size: 20m\n',
      ),
    )
    expect(role(c, 'web').logging).toEqual({ driver: 'json-file', options: { 'max-size': '20m', 'max-file': '3' } })
  })

  test('env: a bare map is clear; stringish values become strings', () => {
    const c = makeConfig(yml('servers: [1.1.1.1]\nenv:\n  A: 1\n  B: true\n  C: x\n'))
    expect(c.env).toEqual({ clear: { A: '1', B: 'true', C: 'x' }, secret: {} })
  })

  test('role env with secrets', () => {
    const c = makeConfig(yml('servers:\n  web:\n    hosts: [1.1.1.1]\n    env:\n      secret: [TOKEN]\n'), {
      env: { TOKEN: 't0k' },
    })
    expect(role(c, 'web').env.secret['TOKEN']!.value).toBe('t0k')
  })
})
