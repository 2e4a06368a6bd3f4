import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import * as caddy from '../../lib/commands/caddy.ts'
import { argv, render } from '../../lib/shell/command.ts'
import { makeConfig, role } from '../support/config.ts'
import { runWithFakeDocker } from './fake-docker.ts'

const YML = `service: blog
image: blog
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
proxy: { kind: caddy, image: registry.example.com/caddy:2.6, host_port: 8080, app_port: 3000, options: { memory: 100m } }
servers:
  web: [1.1.1.1]
`
const config = makeConfig(YML)
const web = role(config, 'web')

describe('caddy.run', () => {
  test('on the slipway network, publishing host_port:80, config dir mounted, caddy run on the mounted config', () => {
    // prettier-ignore
    expect(argv(caddy.run(config, '/root/.kamal/proxy'))).toEqual([
      'docker', 'run', '--name', 'slipway-proxy', '--network', 'slipway', '--detach', '--restart', 'unless-stopped',
      '--publish', '8080:80',
      '--volume', '/root/.kamal/proxy:/etc/slipway',
      '--log-opt', 'max-size=10m',
      '--memory', '100m',
      'registry.example.com/caddy:2.6',
      'run', '--config', '/etc/slipway/caddy.json',
    ])
  })
  test('start, stop, details, remove', () => {
    expect(argv(caddy.start())).toEqual(['docker', 'container', 'start', 'slipway-proxy'])
    expect(argv(caddy.stop())).toEqual(['docker', 'container', 'stop', 'slipway-proxy'])
    expect(argv(caddy.details())).toEqual(['docker', 'ps', '--filter', 'name=^slipway-proxy$'])
    expect(argv(caddy.removeContainer())).toEqual(['docker', 'container', 'rm', '--force', 'slipway-proxy'])
    expect(argv(caddy.removeImage(config))).toEqual(['docker', 'image', 'rm', 'registry.example.com/caddy:2.6'])
    expect(render(caddy.logs({ lines: 5 }), { redact: true })).toBe(
      `sh -c 'docker logs "$@" 2>&1' sh slipway-proxy --tail 5 --timestamps`,
    )
  })
})

describe('caddy config', () => {
  test('a route per role: reverse_proxy to the container on app_port, no idle upstream connections', () => {
    expect(caddy.route(config, web, 'blog-web-abc')).toEqual({
      '@id': 'blog-web',
      handle: [
        {
          handler: 'reverse_proxy',
          upstreams: [{ dial: 'blog-web-abc:3000' }],
          transport: { protocol: 'http', keep_alive: { enabled: false } },
        },
      ],
      terminal: true,
    })
  })
  test('the server config ends with the 502 catch-all; admin on a unix socket in the mounted config dir, no port', () => {
    expect(caddy.serverConfig([{ r: 1 }])).toEqual({
      admin: { listen: 'unix//etc/slipway/admin.sock', config: { persist: false } },
      apps: {
        http: {
          servers: {
            slipway: {
              listen: [':80'],
              automatic_https: { disable: true },
              routes: [{ r: 1 }, { handle: [{ handler: 'static_response', status_code: 502, body: 'Bad Gateway\n' }] }],
            },
          },
        },
      },
    })
  })
  test('configParts splice: head + "r1,r2," + tail is the JSON of serverConfig([r1, r2])', () => {
    const { head, tail } = caddy.configParts()
    const r1 = caddy.route(config, web, 'a')
    const r2 = { '@id': 'other' }
    expect(JSON.parse(`${head}${JSON.stringify(r1)},${JSON.stringify(r2)},${tail}`)).toEqual(
      caddy.serverConfig([r1, r2]),
    )
    expect(JSON.parse(`${head}${tail}`)).toEqual(caddy.serverConfig([]))
  })
})

describe('caddy.apply through sh', () => {
  test('host-bound routes come before catch-all ones; changing hosts replaces the file', () => {
    const bound = makeConfig(YML.replace('options:', 'hosts: [blog.example.com, www.blog.example.com], options:'))
    const boundRoute = caddy.route(bound, role(bound, 'web'), 'blog-web-v2')
    expect(boundRoute['match']).toEqual([{ host: ['blog.example.com', 'www.blog.example.com'] }])
    const any = { '@id': 'aaa-web', handle: [] }
    const first = runWithFakeDocker(
      caddy.apply('p', { name: 'blog-web', route: caddy.route(config, web, 'blog-web-v1') }),
      'true',
    )
    runWithFakeDocker(caddy.apply('p', { name: 'aaa-web', route: any }), 'true', { home: first.home })
    runWithFakeDocker(caddy.apply('p', { name: 'blog-web', route: boundRoute }), 'true', { home: first.home })
    expect(readdirSync(join(first.home, 'p/routes')).sort()).toEqual(['0-blog-web.json', '1-aaa-web.json'])
    expect(JSON.parse(readFileSync(join(first.home, 'p/caddy.json'), 'utf8'))).toEqual(
      caddy.serverConfig([boundRoute, any]),
    )
  })

  test('writes the route file, rebuilds caddy.json from every route file, prints the dir; stray files are no routes', () => {
    const first = runWithFakeDocker(
      caddy.apply('.kamal/proxy', { name: 'blog-web', route: caddy.route(config, web, 'blog-web-v1') }),
      'exit 1',
    )
    expect(first.code).toBe(0)
    expect(first.stdout.trim()).toBe(join(first.home, '.kamal/proxy'))
    expect(first.calls).toEqual([])
    const dir = join(first.home, '.kamal/proxy')
    // An older slipway's unprefixed file and an editor backup are ignored, and the former is removed on the next apply.
    writeFileSync(join(dir, 'routes/blog-web.json'), '{"@id":"stale"}')
    writeFileSync(join(dir, 'routes/1-x.json~'), '{"@id":"backup"}')
    // A second service on the same host keeps the first one's route.
    const other = { '@id': 'shop-web', handle: [] }
    const second = runWithFakeDocker(caddy.apply('.kamal/proxy', { name: 'shop-web', route: other }), 'exit 1', {
      home: first.home,
    })
    expect(second.code).toBe(0)
    expect(JSON.parse(readFileSync(join(dir, 'caddy.json'), 'utf8'))).toEqual(
      caddy.serverConfig([caddy.route(config, web, 'blog-web-v1'), other]),
    )
    runWithFakeDocker(
      caddy.apply('.kamal/proxy', { name: 'blog-web', route: caddy.route(config, web, 'blog-web-v2') }),
      'exit 1',
      { home: first.home },
    )
    expect(readdirSync(join(dir, 'routes')).sort()).toEqual(['1-blog-web.json', '1-shop-web.json', '1-x.json~'])
    // Removing a route leaves the others.
    runWithFakeDocker(caddy.apply('.kamal/proxy', { name: 'shop-web', route: undefined }), 'true', { home: first.home })
    expect(JSON.parse(readFileSync(join(dir, 'caddy.json'), 'utf8'))).toEqual(
      caddy.serverConfig([caddy.route(config, web, 'blog-web-v2')]),
    )
  })
  test('without a change it only writes caddy.json (boot)', () => {
    const run = runWithFakeDocker(caddy.apply('p', undefined), 'exit 1')
    expect(run.code).toBe(0)
    expect(run.calls).toEqual([])
    expect(JSON.parse(readFileSync(join(run.home, 'p/caddy.json'), 'utf8'))).toEqual(caddy.serverConfig([]))
  })
})

describe('caddy.runIn / startOrRunIn through sh', () => {
  const withDir = (): string => {
    const home = mkdtempSync(join(tmpdir(), 'slipway-caddy-home-'))
    mkdirSync(join(home, '.kamal/proxy'), { recursive: true })
    return home
  }
  test('the volume gets the config dir as an absolute path on the host; every other argument is kept', () => {
    const run = runWithFakeDocker(
      caddy.startOrRunIn(config, '.kamal/proxy'),
      '[ "$1" = container ] && exit 1; exit 0',
      { home: withDir() },
    )
    expect(run.code).toBe(0)
    expect(run.calls).toEqual([
      ['container', 'start', 'slipway-proxy'],
      argv(caddy.run(config, join(run.home, '.kamal/proxy'))).slice(1),
    ])
  })
  test('an existing container is only started', () => {
    const run = runWithFakeDocker(caddy.startOrRunIn(config, '.kamal/proxy'), 'exit 0', { home: withDir() })
    expect(run.calls).toEqual([['container', 'start', 'slipway-proxy']])
  })
})
