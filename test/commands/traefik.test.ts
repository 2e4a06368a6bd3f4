import { describe, expect, test } from 'vitest'
import * as traefik from '../../lib/commands/traefik.ts'
import { argv, render } from '../../lib/shell/command.ts'
import { makeConfig, role } from '../support/config.ts'
import { runWithFakeDocker } from './fake-docker.ts'

const BASE = `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1, 1.1.1.2]
  workers: { hosts: [1.1.1.3], cmd: bin/jobs }
`
const CATCHALL = [
  '--label',
  'traefik.http.routers.catchall.entryPoints=http',
  '--label',
  'traefik.http.routers.catchall.rule=PathPrefix(`/`)',
  '--label',
  'traefik.http.routers.catchall.service=unavailable',
  '--label',
  'traefik.http.routers.catchall.priority=1',
  '--label',
  'traefik.http.services.unavailable.loadbalancer.server.port=0',
]

describe('traefik.run', () => {
  test('Kamal 1.9 defaults', () => {
    // prettier-ignore
    expect(argv(traefik.run(makeConfig(BASE)))).toEqual([
      'docker', 'run', '--name', 'traefik', '--detach', '--restart', 'unless-stopped',
      '--publish', '80:80',
      '--volume', '/var/run/docker.sock:/var/run/docker.sock',
      '--log-opt', 'max-size=10m',
      ...CATCHALL,
      'traefik:v2.11',
      '--providers.docker',
      '--log.level=DEBUG',
    ])
  })

  test('image, host_port, args, labels merged over the catch-all, options, env, logging', () => {
    const config = makeConfig(
      `${BASE}logging: { driver: local, options: { max-size: 100m } }
traefik:
  image: registry.example.com/traefik:v2.10
  host_port: 8080
  labels: { traefik.http.routers.catchall.priority: "10", traefik.enable: "true" }
  args: { log.level: ERROR, api.insecure: true, accesslog: false, entryPoints.web.address: ":81" }
  options: { cpus: 1, add-host: [a:1.2.3.4, b:5.6.7.8] }
  env:
    clear: { TZ: UTC }
    secret: [CF_TOKEN]
`,
      { env: { KAMAL_REGISTRY_PASSWORD: 'pw', CF_TOKEN: 'cf-secret' } },
    )
    // prettier-ignore
    expect(argv(traefik.run(config))).toEqual([
      'docker', 'run', '--name', 'traefik', '--detach', '--restart', 'unless-stopped',
      '--publish', '8080:80',
      '--volume', '/var/run/docker.sock:/var/run/docker.sock',
      '--env-file', '.kamal/env/traefik/traefik.env',
      '--env', 'TZ=UTC',
      '--log-driver', 'local', '--log-opt', 'max-size=100m',
      '--label', 'traefik.http.routers.catchall.entryPoints=http',
      '--label', 'traefik.http.routers.catchall.rule=PathPrefix(`/`)',
      '--label', 'traefik.http.routers.catchall.service=unavailable',
      '--label', 'traefik.http.routers.catchall.priority=10',
      '--label', 'traefik.http.services.unavailable.loadbalancer.server.port=0',
      '--label', 'traefik.enable=true',
      '--cpus', '1', '--add-host', 'a:1.2.3.4', '--add-host', 'b:5.6.7.8',
      'registry.example.com/traefik:v2.10',
      '--providers.docker',
      '--log.level=ERROR', '--api.insecure', '--entryPoints.web.address=:81',
    ])
    expect(render(traefik.run(config), { redact: false })).not.toContain('cf-secret')
  })

  test('publish: false publishes no port', () => {
    const a = argv(traefik.run(makeConfig(`${BASE}traefik: { publish: false }\n`)))
    expect(a).not.toContain('--publish')
    expect(a.slice(0, 9)).toEqual([
      'docker',
      'run',
      '--name',
      'traefik',
      '--detach',
      '--restart',
      'unless-stopped',
      '--volume',
      '/var/run/docker.sock:/var/run/docker.sock',
    ])
  })

  test('the rule label survives sh as one argument, backticks and all', () => {
    const run = runWithFakeDocker(traefik.run(makeConfig(BASE)), 'true')
    expect(run.code).toBe(0)
    expect(run.calls[0]).toEqual(argv(traefik.run(makeConfig(BASE))).slice(1))
  })
})

describe('traefik subcommands', () => {
  const config = makeConfig(BASE)
  test('startOrRun', () => {
    expect(render(traefik.startOrRun(config), { redact: true })).toBe(
      `docker container start traefik || ${render(traefik.run(config), { redact: true })}`,
    )
  })
  test('start, stop, details, remove', () => {
    expect(argv(traefik.start())).toEqual(['docker', 'container', 'start', 'traefik'])
    expect(argv(traefik.stop())).toEqual(['docker', 'container', 'stop', 'traefik'])
    expect(argv(traefik.details())).toEqual(['docker', 'ps', '--filter', 'name=^traefik$'])
    expect(argv(traefik.removeContainer())).toEqual([
      'docker',
      'container',
      'prune',
      '--force',
      '--filter',
      'label=org.opencontainers.image.title=Traefik',
    ])
    expect(argv(traefik.removeImage())).toEqual([
      'docker',
      'image',
      'prune',
      '--all',
      '--force',
      '--filter',
      'label=org.opencontainers.image.title=Traefik',
    ])
  })
  test('logs', () => {
    expect(render(traefik.logs(), { redact: true })).toBe(`sh -c 'docker logs "$@" 2>&1' sh traefik --timestamps`)
    expect(render(traefik.logs({ since: '5m', lines: 100, grep: 'hey you' }), { redact: true })).toBe(
      `sh -c 'docker logs "$@" 2>&1' sh traefik --since 5m --tail 100 --timestamps | grep -- 'hey you'`,
    )
    expect(render(traefik.logs({ follow: true, grep: 'x' }), { redact: true })).toBe(
      `sh -c 'docker logs "$@" 2>&1' sh traefik --tail 10 --timestamps --follow | grep --line-buffered -- x`,
    )
  })
  test('logs runs docker logs with stderr merged', () => {
    const run = runWithFakeDocker(traefik.logs({ lines: 2 }), 'echo out; echo err >&2')
    expect(run.calls).toEqual([['logs', 'traefik', '--tail', '2', '--timestamps']])
    expect(run.stdout).toBe('out\nerr\n')
  })
})

describe('traefik.appLabels', () => {
  test('router, priority 2, retry middleware, named after the container prefix', () => {
    expect(traefik.appLabels(makeConfig(BASE), role(makeConfig(BASE), 'web'))).toEqual({
      'traefik.http.services.app-web.loadbalancer.server.scheme': 'http',
      'traefik.http.routers.app-web.rule': 'PathPrefix(`/`)',
      'traefik.http.routers.app-web.priority': '2',
      'traefik.http.middlewares.app-web-retry.retry.attempts': '5',
      'traefik.http.middlewares.app-web-retry.retry.initialinterval': '500ms',
      'traefik.http.routers.app-web.middlewares': 'app-web-retry@docker',
    })
  })
  test('with a destination', () => {
    const config = makeConfig(BASE, { destination: 'staging' })
    expect(Object.keys(traefik.appLabels(config, role(config, 'web')))).toContain(
      'traefik.http.routers.app-web-staging.priority',
    )
    expect(traefik.appLabels(config, role(config, 'web'))['traefik.http.routers.app-web-staging.middlewares']).toBe(
      'app-web-staging-retry@docker',
    )
  })
})
