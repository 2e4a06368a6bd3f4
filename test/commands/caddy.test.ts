import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import * as caddy from '../../lib/commands/caddy.ts'
import * as proxy from '../../lib/commands/proxy.ts'
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
  test('startOrRun, start, stop, details, remove, reload', () => {
    expect(render(caddy.startOrRun(config, '/d'), { redact: true })).toBe(`docker container start slipway-proxy || ${render(caddy.run(config, '/d'), { redact: true })}`)
    expect(argv(caddy.start())).toEqual(['docker', 'container', 'start', 'slipway-proxy'])
    expect(argv(caddy.stop())).toEqual(['docker', 'container', 'stop', 'slipway-proxy'])
    expect(argv(caddy.details())).toEqual(['docker', 'ps', '--filter', 'name=^slipway-proxy$'])
    expect(argv(caddy.removeContainer())).toEqual(['docker', 'container', 'rm', '--force', 'slipway-proxy'])
    expect(argv(caddy.removeImage(config))).toEqual(['docker', 'image', 'rm', 'registry.example.com/caddy:2.6'])
    expect(argv(caddy.reload())).toEqual(['docker', 'exec', 'slipway-proxy', 'caddy', 'reload', '--config', '/etc/slipway/caddy.json'])
    expect(render(caddy.logs({ lines: 5 }), { redact: true })).toBe(`sh -c 'docker logs "$@" 2>&1' sh slipway-proxy --tail 5 --timestamps`)
  })
  test('proxy.* dispatches on proxy.kind', () => {
    expect(proxy.containerName(config)).toBe('slipway-proxy')
    expect(argv(proxy.start(config))).toEqual(argv(caddy.start()))
    expect(proxy.image(config)).toBe('registry.example.com/caddy:2.6')
    const t = makeConfig(YML.replace(/proxy: .*\n/, ''))
    expect(proxy.containerName(t)).toBe('traefik')
    expect(argv(proxy.removeContainer(t))).toEqual(['docker', 'container', 'prune', '--force', '--filter', 'label=org.opencontainers.image.title=Traefik'])
  })
})

describe('caddy config', () => {
  test('a route per role: reverse_proxy to the container on app_port, no idle upstream connections', () => {
    expect(caddy.route(config, web, 'blog-web-abc')).toEqual({
      '@id': 'blog-web',
      handle: [
        { handler: 'reverse_proxy', upstreams: [{ dial: 'blog-web-abc:3000' }], transport: { protocol: 'http', keep_alive: { enabled: false } } },
      ],
      terminal: true,
    })
  })
  test('the server config ends with the 502 catch-all; admin stays inside the container', () => {
    expect(caddy.serverConfig([{ r: 1 }])).toEqual({
      admin: { listen: 'localhost:2019', config: { persist: false } },
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
    expect(JSON.parse(`${head}${JSON.stringify(r1)},${JSON.stringify(r2)},${tail}`)).toEqual(caddy.serverConfig([r1, r2]))
    expect(JSON.parse(`${head}${tail}`)).toEqual(caddy.serverConfig([]))
  })
})

describe('caddy.apply through sh', () => {
  test('host-bound routes come before catch-all ones; changing hosts replaces the file', () => {
    const bound = makeConfig(YML.replace('options:', 'hosts: [blog.example.com, www.blog.example.com], options:'))
    const boundRoute = caddy.route(bound, role(bound, 'web'), 'blog-web-v2')
    expect(boundRoute['match']).toEqual([{ host: ['blog.example.com', 'www.blog.example.com'] }])
    const any = { '@id': 'aaa-web', handle: [] }
    const first = runWithFakeDocker(caddy.apply('p', { name: 'blog-web', route: caddy.route(config, web, 'blog-web-v1') }), 'true')
    runWithFakeDocker(caddy.apply('p', { name: 'aaa-web', route: any }), 'true', { home: first.home })
    runWithFakeDocker(caddy.apply('p', { name: 'blog-web', route: boundRoute }), 'true', { home: first.home })
    expect(readdirSync(join(first.home, 'p/routes')).sort()).toEqual(['0-blog-web.json', '1-aaa-web.json'])
    expect(JSON.parse(readFileSync(join(first.home, 'p/caddy.json'), 'utf8'))).toEqual(caddy.serverConfig([boundRoute, any]))
  })

  const reload = caddy.reload()
  test('writes the route file, rebuilds caddy.json from every route file, reloads, prints the dir', () => {
    const first = runWithFakeDocker(caddy.apply('.kamal/proxy', { name: 'blog-web', route: caddy.route(config, web, 'blog-web-v1') }, { reload }), 'true')
    expect(first.code).toBe(0)
    expect(first.stdout.trim()).toBe(join(first.home, '.kamal/proxy'))
    expect(first.calls).toEqual([argv(reload).slice(1)])
    // A second service on the same host keeps the first one's route.
    const other = { '@id': 'shop-web', handle: [] }
    const second = runWithFakeDocker(caddy.apply('.kamal/proxy', { name: 'shop-web', route: other }, { reload }), 'true', { home: first.home })
    expect(second.code).toBe(0)
    const dir = join(first.home, '.kamal/proxy')
    expect(readdirSync(join(dir, 'routes')).sort()).toEqual(['1-blog-web.json', '1-shop-web.json'])
    expect(JSON.parse(readFileSync(join(dir, 'caddy.json'), 'utf8'))).toEqual(caddy.serverConfig([caddy.route(config, web, 'blog-web-v1'), other]))
    // Removing a route leaves the others.
    runWithFakeDocker(caddy.apply('.kamal/proxy', { name: 'shop-web', route: undefined }), 'true', { home: first.home })
    expect(JSON.parse(readFileSync(join(dir, 'caddy.json'), 'utf8'))).toEqual(caddy.serverConfig([caddy.route(config, web, 'blog-web-v1')]))
  })
  test('a failing reload fails the command and prints no dir', () => {
    const run = runWithFakeDocker(caddy.apply('p', { name: 'blog-web', route: { x: 1 } }, { reload }), 'echo "Error: loading new config: bad" >&2; exit 1')
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('loading new config')
  })
  test('without a change or reload it only writes caddy.json (boot)', () => {
    const run = runWithFakeDocker(caddy.apply('p', undefined), 'exit 1')
    expect(run.code).toBe(0)
    expect(run.calls).toEqual([])
    expect(JSON.parse(readFileSync(join(run.home, 'p/caddy.json'), 'utf8'))).toEqual(caddy.serverConfig([]))
  })
})

describe('caddy.waitReady through sh', () => {
  test('polls caddy reload inside the container until it succeeds', () => {
    const body = 'n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) > count; [ "$n" -ge 2 ] || { echo "connect: connection refused" >&2; exit 1; }'
    const run = runWithFakeDocker(caddy.waitReady({ interval: 0.01 }), body)
    expect([run.code, run.stdout]).toEqual([0, 'ready\n'])
    expect(run.calls).toEqual(Array.from({ length: 3 }, () => ['exec', 'slipway-proxy', 'caddy', 'reload', '--config', '/etc/slipway/caddy.json']))
  })
  test('times out with exit 2 and caddy\'s last words', () => {
    const never = runWithFakeDocker(caddy.waitReady({ timeoutSeconds: 0, interval: 0.01 }), 'echo "Error: connection refused" >&2; exit 1')
    expect([never.code, never.stdout]).toEqual([2, 'not ready: Error: connection refused\n'])
  })
})

describe('caddy.drain', () => {
  test('argv: the app port in /proc hex', () => {
    const a = argv(caddy.drain('blog-web-v1', 3000, { timeoutSeconds: 5 }))
    expect(a.slice(0, 2)).toEqual(['sh', '-c'])
    expect(a.slice(3)).toEqual(['sh', 'blog-web-v1', '0BB8', '5', '0.1'])
  })
  test('a container that is gone is drained at once', () => {
    const run = runWithFakeDocker(caddy.drain('blog-web-v1', 80), 'exit 1')
    expect([run.code, run.stdout]).toEqual([0, 'gone\n'])
    expect(run.calls).toEqual([['inspect', '-f', '{{.State.Pid}}', 'blog-web-v1']])
  })
})
