import { describe, expect, test } from 'vitest'
import { parseConfig } from '../../lib/config/load.ts'
import { render } from '../../lib/shell/command.ts'
import { benchConfig } from '../app-repo.ts'
import { removeServiceCommand } from '../cleanup.ts'

const env = { SANDBOX_REGISTRY_USER: 'u', SANDBOX_REGISTRY_PASSWORD: 'pw', DEMO_SECRET: 's' }
const servers = (n: number): string[] => Array.from({ length: n }, (_, i) => `10.0.0.${11 + i}`)
const parse = (n: number) =>
  parseConfig(
    benchConfig({
      service: 'bench-abc',
      servers: servers(n),
      registry: '10.0.0.1:5443',
      sshKey: '/keys/id',
      caddyImage: '10.0.0.1:5443/caddy',
    }),
    { env },
  )

describe('benchConfig', () => {
  test.each([3, 10])(
    '%i servers: web behind caddy on all but the last (the second tagged canary), workers on the last',
    (n) => {
      const config = parse(n)
      const role = (name: string) => config.roles.find((r) => r.name === name)!
      expect(config.service).toBe('bench-abc')
      expect(config.repository).toBe('10.0.0.1:5443/bench/bench-abc')
      expect(role('web').hosts).toEqual(servers(n).slice(0, -1))
      expect(role('workers').hosts).toEqual([`10.0.0.${10 + n}`])
      expect(role('web').tags).toEqual({ '10.0.0.12': ['canary'] })
      expect(config.proxy).toMatchObject({ kind: 'caddy', hosts: ['bench-abc.test'], hostPort: 80, appPort: 80 })
    },
  )

  test('one server: web only', () => {
    expect(parse(1).roles.map((r) => [r.name, r.hosts])).toEqual([['web', ['10.0.0.11']]])
  })
})

describe('kamalConfig', () => {
  test('3 servers: web on two and workers on one, no proxy, each role checking its health every second', () => {
    const config = parseConfig(
      benchConfig({
        scenario: 'kamal',
        service: 'bench-k',
        servers: servers(3),
        registry: 'r:5443',
        sshKey: '/k',
        caddyImage: 'c',
      }),
      { env },
    )
    expect(config.roles.map((r) => [r.name, r.hosts, r.proxy, r.healthArgs, r.healthcheck.interval])).toEqual([
      ['web', servers(3).slice(0, 2), false, true, '1s'],
      ['workers', [servers(3)[2]], false, true, '1s'],
    ])
    expect(config.readinessDelay).toBe(7)
  })

  test('any other number of servers is refused', () => {
    expect(() =>
      benchConfig({
        scenario: 'kamal',
        service: 's',
        servers: servers(4),
        registry: 'r',
        sshKey: 'k',
        caddyImage: 'c',
      }),
    ).toThrow('the Kamal-shaped deploy needs 3 servers')
  })
})

describe('removeServiceCommand', () => {
  test('removes the containers, images, lock and env files of one service', () => {
    expect(render(removeServiceCommand('bench-abc', '10.0.0.1:5443/bench/bench-abc'), { redact: true })).toBe(
      'docker ps --all --quiet --filter label=service=bench-abc | xargs -r docker rm --force ; ' +
        'docker images --quiet 10.0.0.1:5443/bench/bench-abc | xargs -r docker rmi --force ; ' +
        'rm -rf .kamal/locks/bench-abc .kamal/env/roles/bench-abc-web.env .kamal/env/roles/bench-abc-workers.env',
    )
  })
})
