import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test, vi } from 'vitest'
import * as caddy from '../../lib/commands/caddy.ts'
import * as cord from '../../lib/commands/cord.ts'
import * as health from '../../lib/commands/health.ts'
import * as traefik from '../../lib/commands/traefik.ts'
import { recorder, type Reply } from '../../lib/exec/recorder.ts'
import { proxyDriver } from '../../lib/proxy/index.ts'
import { cmd, render, type Command } from '../../lib/shell/command.ts'
import { cutover } from '../../lib/proxy/caddy-cutover.ts'
import { makeConfig, role } from '../support/config.ts'

const BASE = `service: app
image: dhh/app
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
servers:
  web: [1.1.1.1]
`
const CADDY = `${BASE}proxy: { kind: caddy, image: caddy:2.6, app_port: 3000 }\n`
const line = (c: Command): string => `1.1.1.1: ${render(c, { redact: true })}`

function drive(yml: string, reply: Reply = () => undefined) {
  const config = makeConfig(yml)
  const rec = recorder({ reply })
  const said: string[] = []
  const stopOld = cmd('docker', 'stop', 'app-web-v1')
  const params = {
    host: '1.1.1.1',
    newContainer: 'app-web-v2',
    instance: 'a1b2c3',
    oldContainer: 'app-web-v1' as string | undefined,
    stopOld: stopOld as Command | undefined,
    log: (l: string) => said.push(l),
  }
  return {
    config,
    web: role(config, 'web'),
    driver: proxyDriver(config),
    remote: rec.executor('1.1.1.1'),
    log: rec.log,
    said,
    params,
  }
}

afterEach(() => void vi.useRealTimers())

describe('proxyDriver: the one place that knows the proxy kind', () => {
  test('traefik (the default): its container, image, entries and reboot hooks', () => {
    const config = makeConfig(BASE)
    const driver = proxyDriver(config)
    expect([driver.kind, driver.container(config), driver.image(config)]).toEqual([
      'traefik',
      'traefik',
      'traefik:v2.11',
    ])
    expect(driver.entries).toEqual(['proxy', 'traefik'])
    expect(driver.rebootHooks).toEqual(['pre-traefik-reboot', 'post-traefik-reboot'])
    expect(render(driver.stop(config), { redact: true })).toBe('docker container stop traefik')
  })

  test('caddy: its container, image, entries and reboot hooks', () => {
    const config = makeConfig(CADDY)
    const driver = proxyDriver(config)
    expect([driver.kind, driver.container(config), driver.image(config)]).toEqual([
      'caddy',
      'slipway-proxy',
      'caddy:2.6',
    ])
    expect(driver.entries).toEqual(['proxy'])
    expect(driver.rebootHooks).toEqual(['pre-proxy-reboot', 'post-proxy-reboot'])
    expect(render(driver.details(config), { redact: true })).toBe("docker ps --filter 'name=^slipway-proxy$'")
  })
})

describe('traefik driver', () => {
  test('appRun: the role labels and a cord', () => {
    const { config, web, driver } = drive(BASE)
    expect(driver.kind).toBe('traefik')
    expect(driver.appRun(config, web, { version: 'v2', host: '1.1.1.1', instance: 'a1b2c3' })).toEqual({
      labels: traefik.appLabels(config, web),
      args: [],
      cord: true,
    })
    const noCord = makeConfig(`${BASE}healthcheck: { cord: false }\n`)
    expect(
      proxyDriver(noCord).appRun(noCord, role(noCord, 'web'), { version: 'v2', host: '1.1.1.1', instance: 'a1b2c3' })
        .cord,
    ).toBe(false)
  })

  test('cutover: the API confirms the new container, the cord is cut, the API confirms the old one left, then it is stopped', async () => {
    const { config, web, driver, remote, log, said, params } = drive(BASE, (l) =>
      l.includes('.Mounts')
        ? { stdout: '/root/.kamal/cords/app-web-abc\n' }
        : l.includes('while') && l.includes('unhealthy')
          ? { stdout: 'unhealthy\n' }
          : l.includes('app-web-v2')
            ? { stdout: 'present\n' }
            : { stdout: 'absent\n' },
    )
    await driver.cutover(remote, config, web, params)
    expect(log).toEqual([
      line(traefik.waitForServer(config, web, { container: 'app-web-v2', want: 'present' })),
      line(cord.cutCord('app-web-v1', '/tmp/kamal-cord')),
      line(health.waitUnhealthy('app-web-v1', { timeoutSeconds: 28 })),
      line(traefik.waitForServer(config, web, { container: 'app-web-v1', want: 'absent' })),
      line(cmd('docker', 'stop', 'app-web-v1')),
    ])
    expect(said).toEqual([
      'traefik API confirmed it routes to app-web-v2',
      'Cut the cord of app-web-v1; waiting for it to turn unhealthy',
      'traefik API confirmed it dropped app-web-v1',
      'Stopping app-web-v1',
    ])
  })

  test('cutover without an old container only waits for the route', async () => {
    const { config, web, driver, remote, log, params } = drive(BASE, () => ({ stdout: 'present\n' }))
    await driver.cutover(remote, config, web, { ...params, oldContainer: undefined, stopOld: undefined })
    expect(log).toEqual([line(traefik.waitForServer(config, web, { container: 'app-web-v2', want: 'present' }))])
  })

  test("cutover: API unreachable → Kamal's 5 s wait, said so", async () => {
    vi.useFakeTimers()
    const { config, web, driver, remote, said, params } = drive(BASE, () => ({ stdout: 'unreachable\n', exitCode: 3 }))
    let done = false
    const switching = driver
      .cutover(remote, config, web, { ...params, oldContainer: undefined })
      .then(() => (done = true))
    await vi.advanceTimersByTimeAsync(4900)
    expect(done).toBe(false)
    await vi.advanceTimersByTimeAsync(200)
    await switching
    expect(said).toEqual(['traefik API not reachable: waiting 5 s as Kamal does for traefik to notice app-web-v2'])
  })

  test('cutover: an old container without a cord is stopped without draining', async () => {
    const { config, web, driver, remote, log, said, params } = drive(BASE, (l) =>
      l.includes('app-web-v2') ? { stdout: 'present\n' } : undefined,
    )
    await driver.cutover(remote, config, web, params)
    expect(log).toHaveLength(3)
    expect(said).toEqual([
      'traefik API confirmed it routes to app-web-v2',
      'app-web-v1 has no cord: stopping it without draining',
      'Stopping app-web-v1',
    ])
  })
})

describe('caddy driver', () => {
  test('appRun: the slipway network with an alias of this container instance, no labels, no cord', () => {
    const { config, web, driver } = drive(CADDY)
    expect(driver.kind).toBe('caddy')
    expect(driver.appRun(config, web, { version: 'v2', host: '1.1.1.1', instance: 'a1b2c3' })).toEqual({
      labels: {},
      args: ['--network', 'slipway', '--network-alias', 'app-web-v2-a1b2c3'],
      cord: false,
    })
  })

  test('a same-version redeploy: the new container gets another alias than the one serving, though it takes its name', () => {
    const { config, web, driver } = drive(CADDY)
    const alias = (instance: string) => driver.appRun(config, web, { version: 'v2', host: '1.1.1.1', instance }).args[3]
    expect(alias('a1b2c3')).not.toBe(alias('d4e5f6'))
  })

  test('a container name too long for Docker DNS gets a short alias, still one per instance', () => {
    const long = makeConfig(CADDY.replace('service: app', 'service: a-service-with-a-rather-long-name'))
    const web = role(long, 'web')
    const version = 'f'.repeat(40)
    const name = `a-service-with-a-rather-long-name-web-${version}`
    expect(name.length).toBeGreaterThan(63)
    const alias = caddy.upstreamHost(name, 'a1b2c3')
    expect(alias).toMatch(/^slipway-[0-9a-f]{20}-a1b2c3$/)
    expect(proxyDriver(long).appRun(long, web, { version, host: '1.1.1.1', instance: 'a1b2c3' }).args).toEqual([
      '--network',
      'slipway',
      '--network-alias',
      alias,
    ])
    expect(caddy.upstreamHost('app-web-v2', 'a1b2c3')).toBe('app-web-v2-a1b2c3')
  })

  test('cutover: one round trip writes the route, reloads, drains and stops the old container', async () => {
    const { config, web, driver, remote, log, said, params } = drive(CADDY, () => ({
      stdout: 'switched\ndrain=drained\nstopped=0\n',
    }))
    await driver.cutover(remote, config, web, params)
    // Caddy dials the new container's own alias, never its name.
    const route = caddy.route(config, web, 'app-web-v2-a1b2c3')
    expect(log).toEqual([
      line(
        cutover(
          '.kamal/proxy',
          { name: 'app-web', route },
          { old: { name: 'app-web-v1', port: 3000 }, stopOld: params.stopOld, timeoutSeconds: 30 },
        ),
      ),
    ])
    expect(said[0]).toBe('caddy reloaded: routing to app-web-v2:3000')
    expect(said[1]).toMatch(/^app-web-v1 drained in \d+\.\d s$/)
    expect(said).toHaveLength(2)
  })

  test('cutover on a first deploy: route and reload only', async () => {
    const { config, web, driver, remote, log, said, params } = drive(CADDY, () => ({ stdout: 'switched\n' }))
    await driver.cutover(remote, config, web, { ...params, oldContainer: undefined, stopOld: undefined })
    expect(log).toEqual([
      line(
        cutover(
          '.kamal/proxy',
          { name: 'app-web', route: caddy.route(config, web, 'app-web-v2-a1b2c3') },
          { old: undefined, stopOld: undefined, timeoutSeconds: 30 },
        ),
      ),
    ])
    expect(said).toEqual(['caddy reloaded: routing to app-web-v2:3000'])
  })

  test('cutover: a failed reload fails it (the old container keeps serving)', async () => {
    const { config, web, driver, remote, params } = drive(CADDY, () => ({
      exitCode: 1,
      stderr: 'Error: loading config',
    }))
    await expect(driver.cutover(remote, config, web, params)).rejects.toThrow('loading config')
  })

  test.each([
    ['drain=timeout app 2\nstopped=0', 'app-web-v1 not drained after 30 s (2 open connections): stopped it'],
    [
      'drain=timeout proxy 1\nstopped=0',
      'app-web-v1 not drained after 30 s (1 caddy connections from before the switch still open): stopped it',
    ],
    ['drain=gone\nstopped=1', 'app-web-v1 is not running'],
    [
      'drain=unobservable\nstopped=0',
      'cannot see connections in /proc: stopped app-web-v1 without draining (docker stop lets it finish)',
    ],
  ])('cutover reports %j', async (out, expected) => {
    const { config, web, driver, remote, said, params } = drive(CADDY, () => ({ stdout: `switched\n${out}\n` }))
    await driver.cutover(remote, config, web, params)
    expect(said[1]).toBe(expected)
    if (out.endsWith('stopped=1')) expect(said[2]).toBe('stopping app-web-v1 failed (exit 1)')
  })
})

// waitForServer through real sh, with fake docker and curl first on PATH.
function runApiScript(
  command: Command,
  { services, traefikUp = true }: { services: string[]; traefikUp?: boolean },
): { code: number | null; stdout: string } {
  const bin = mkdtempSync(join(tmpdir(), 'slipway-api-'))
  writeFileSync(
    join(bin, 'docker'),
    `#!/bin/sh\ncase "$4" in traefik) ${traefikUp ? 'echo "172.17.0.2 "' : 'exit 1'};; app-web-v2) echo "172.17.0.3 ";; *) exit 1;; esac\n`,
  )
  // Each services call answers the next canned body (the last one repeats).
  services.forEach((body, i) => writeFileSync(join(bin, `body${i}`), body))
  writeFileSync(
    join(bin, 'curl'),
    `#!/bin/sh\nfor a; do url=$a; done\ncase $url in\n*/api/version) exit 0;;\n*/api/http/services/app-web@docker) n=$(cat ${bin}/n 2>/dev/null || echo 0); echo $((n + 1)) > ${bin}/n; ` +
      `f=${bin}/body$n; [ -e "$f" ] || f=${bin}/body${services.length - 1}; cat "$f";;\n*) exit 7;;\nesac\n`,
  )
  for (const f of ['docker', 'curl']) chmodSync(join(bin, f), 0o755)
  const r = spawnSync('sh', ['-c', render(command, { redact: false })], {
    encoding: 'utf8',
    env: { PATH: `${bin}:/usr/bin:/bin` },
    timeout: 10_000,
  })
  return { code: r.status, stdout: r.stdout }
}

describe('traefik.waitForServer through sh', () => {
  const config = makeConfig(BASE)
  const web = role(config, 'web')
  const served = '{"loadBalancer":{"servers":[{"url":"http://172.17.0.3:80"}]}}'
  const other = '{"loadBalancer":{"servers":[{"url":"http://172.17.0.33:80"}]}}'

  test('present once the new container is among the servers (not a longer address)', () => {
    const r = runApiScript(
      traefik.waitForServer(config, web, { container: 'app-web-v2', want: 'present', interval: 0.01 }),
      { services: ['', other, served] },
    )
    expect(r).toEqual({ code: 0, stdout: 'present\n' })
  })
  test('absent once the old container left the servers', () => {
    const r = runApiScript(
      traefik.waitForServer(config, web, { container: 'app-web-v2', want: 'absent', interval: 0.01 }),
      { services: [served, served, other] },
    )
    expect(r).toEqual({ code: 0, stdout: 'absent\n' })
  })
  test('times out with exit 2', () => {
    const r = runApiScript(
      traefik.waitForServer(config, web, {
        container: 'app-web-v2',
        want: 'present',
        timeoutSeconds: 0,
        interval: 0.01,
      }),
      { services: [other] },
    )
    expect(r.code).toBe(2)
  })
  test('unreachable (exit 3) when traefik is not running', () => {
    expect(
      runApiScript(traefik.waitForServer(config, web, { container: 'app-web-v2', want: 'present' }), {
        services: [served],
        traefikUp: false,
      }),
    ).toEqual({
      code: 3,
      stdout: 'unreachable\n',
    })
  })
  test('a container without an address is never present', () => {
    const r = runApiScript(
      traefik.waitForServer(config, web, { container: 'gone', want: 'present', timeoutSeconds: 0, interval: 0.01 }),
      { services: [served] },
    )
    expect(r.code).toBe(2)
  })
})
