import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import * as caddy from '../../lib/commands/caddy.ts'
import * as admin from '../../lib/commands/caddy-admin.ts'
import * as caddyBoot from '../../lib/commands/caddy-boot.ts'
import { makeConfig } from '../support/config.ts'
import { adminSocket, pathWithoutCurl, run, staleSocket } from './admin-socket.ts'

// Loads of caddy.json from the host: through the admin socket with curl (a real unix-socket HTTP
// server stands in for caddy's admin API), and the `docker exec … caddy reload --address` fallback.

const config = makeConfig(`service: blog
image: blog
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
proxy: { kind: caddy, image: registry.example.com/caddy:2.6 }
servers:
  web: [1.1.1.1]
`)
const DIR = '.kamal/proxy'
const CADDY_JSON = '{"apps":{}}'
const EXEC = ['exec', 'slipway-proxy', 'caddy', 'reload', '--config', '/etc/slipway/caddy.json', '--address']
// No such pid here: nsenter cannot enter it, so nothing on this machine is changed.
const PID = '999999999'

/** A home with the config dir and a caddy.json in it. */
function home(): { home: string; dir: string } {
  const h = mkdtempSync(join(tmpdir(), 'slipway-admin-'))
  mkdirSync(join(h, DIR), { recursive: true })
  writeFileSync(join(h, DIR, 'caddy.json'), CADDY_JSON)
  return { home: h, dir: join(h, DIR) }
}

describe('caddy-admin.reload', () => {
  test('POSTs caddy.json to /load over the socket with an empty Host; no docker call', async () => {
    const { home: h, dir } = home()
    const api = await adminSocket(dir)
    const result = await run(admin.reload(DIR), 'exit 9', { home: h })
    await api.close()
    expect([result.code, result.calls]).toEqual([0, []])
    expect(api.requests).toHaveLength(1)
    const [req] = api.requests
    expect([req!.method, req!.url, req!.headers['host'], req!.headers['content-type'], req!.body]).toEqual([
      'POST',
      '/load',
      '',
      'application/json',
      CADDY_JSON,
    ])
    expect(req!.headers['cache-control']).toBeUndefined()
  })

  test('--force asks caddy to reload an unchanged config (Cache-Control: must-revalidate)', async () => {
    const { home: h, dir } = home()
    const api = await adminSocket(dir)
    expect((await run(admin.reload(DIR, { force: true }), 'exit 9', { home: h })).code).toBe(0)
    await api.close()
    expect(api.requests[0]!.headers['cache-control']).toBe('must-revalidate')
  })

  test("a rejected config fails with caddy's error, without falling back", async () => {
    const { home: h, dir } = home()
    const api = await adminSocket(dir, { status: 400, body: '{"error":"loading config: bad"}' })
    const result = await run(admin.reload(DIR), 'exit 0', { home: h })
    await api.close()
    expect([result.code, result.stderr, result.calls]).toEqual([1, '{"error":"loading config: bad"}\n', []])
  })

  test('no socket (a caddy started by an older slipway): docker exec at the old admin address', async () => {
    const { home: h } = home()
    const plain = await run(admin.reload(DIR), 'exit 0', { home: h })
    const forced = await run(admin.reload(DIR, { force: true }), 'exit 0', { home: h })
    expect([plain.code, plain.calls]).toEqual([0, [[...EXEC, 'localhost:2019']]])
    expect(forced.calls).toEqual([[...EXEC, 'localhost:2019', '--force']])
    const failed = await run(admin.reload(DIR), 'echo "Error: loading config: bad" >&2; exit 1', { home: h })
    expect([failed.code, failed.stderr]).toEqual([1, 'Error: loading config: bad\n'])
  })

  test('a stale socket (nobody listening): docker exec at the socket address', async () => {
    const { home: h, dir } = home()
    staleSocket(dir)
    const result = await run(admin.reload(DIR), 'exit 0', { home: h })
    expect([result.code, result.calls]).toEqual([0, [[...EXEC, 'unix//etc/slipway/admin.sock']]])
  })

  test('no curl on the host: docker exec at the socket address; the socket is not touched', async () => {
    const { home: h, dir } = home()
    const api = await adminSocket(dir)
    const result = await run(admin.reload(DIR), 'exit 0', { home: h, path: pathWithoutCurl() })
    await api.close()
    expect([result.code, result.calls, api.requests]).toEqual([0, [[...EXEC, 'unix//etc/slipway/admin.sock']], []])
  })
})

describe('caddy-admin.waitReady', () => {
  test('a config caddy rejects fails at once with its error, not after the timeout', async () => {
    const { home: h, dir } = home()
    const api = await adminSocket(dir, { status: 400, body: '{"error":"loading config: bad"}' })
    const result = await run(admin.waitReady(DIR, { timeoutSeconds: 30, interval: 0.02 }), 'exit 9', { home: h })
    await api.close()
    expect([result.code, result.stdout, result.calls]).toEqual([1, 'rejected: {"error":"loading config: bad"}\n', []])
    // One load, no polling on: a rejection will not change by waiting.
    expect(api.requests).toHaveLength(1)
  })

  test('polls until caddy answers on its socket, then sets tcp_migrate_req in its netns', async () => {
    const { home: h, dir } = home()
    // The admin socket appears after the third failed try (the fake docker then leaves a file behind);
    // until then the fallback fails, as docker exec would.
    let api: Awaited<ReturnType<typeof adminSocket>> | undefined
    const third = join(h, 'third-try')
    const appear = setInterval(() => {
      if (!existsSync(third)) return
      clearInterval(appear)
      void adminSocket(dir).then((a) => (api = a))
    }, 10)
    const result = await run(
      admin.waitReady(DIR, { interval: 0.02 }),
      `[ "$1" = inspect ] && { echo ${PID}; exit 0; }; n=$(grep -c . "$(dirname "$0")/calls.log"); ` +
        `[ "$n" -ge 3 ] && touch ${third}; echo "connection refused" >&2; exit 1`,
      { home: h },
    )
    clearInterval(appear)
    await api?.close()
    // No such pid here, so the listener sysctl cannot be set: said, not fatal.
    expect([result.code, result.stdout]).toEqual([0, 'ready\nmigrate=unavailable\n'])
    expect(api?.requests).toHaveLength(1)
    const execs = result.calls.slice(0, -1)
    expect(execs.length).toBeGreaterThan(2)
    expect(new Set(execs.map((c) => c.join(' ')))).toEqual(new Set([[...EXEC, 'localhost:2019'].join(' ')]))
    expect(result.calls.at(-1)).toEqual(['inspect', '-f', '{{.State.Pid}}', 'slipway-proxy'])
  })

  test("times out with exit 2 and caddy's last words", async () => {
    const { home: h } = home()
    const never = await run(
      admin.waitReady(DIR, { timeoutSeconds: 0, interval: 0.01 }),
      'echo "Error: connection refused" >&2; exit 1',
      { home: h },
    )
    expect([never.code, never.stdout]).toEqual([2, 'not ready: Error: connection refused\n'])
  })
})

describe('caddy boot where caddy may already run', () => {
  const state = (s: string) =>
    `[ "$1" = inspect ] && [ "$3" != "{{.State.Pid}}" ] && { echo "${s}"; exit 0; }; [ "$1" = inspect ] && { echo ${PID}; exit 0; }; exit 0`
  const RUNNING = `true ${PID} registry.example.com/caddy:2.6 ,bridge,slipway,`
  const INSPECT = [
    'inspect',
    '-f',
    '{{.State.Running}} {{.State.Pid}} {{.Config.Image}} ,{{range $k, $v := .NetworkSettings.Networks}}{{$k}},{{end}}',
    'slipway-proxy',
  ]

  test('running the configured image: one docker inspect, caddy.json rebuilt and loaded over the socket, no login, no start', async () => {
    const { home: h, dir } = home()
    const api = await adminSocket(dir)
    const result = await run(caddyBoot.boot(config), state(RUNNING), { home: h, stdin: 'registry-pw' })
    await api.close()
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(`${dir}\nready\nmigrate=unavailable\n`)
    expect(result.calls).toEqual([INSPECT])
    expect(JSON.parse(api.requests[0]!.body)).toEqual(caddy.serverConfig([]))
    expect(readFileSync(join(dir, 'caddy.json'), 'utf8')).toBe(api.requests[0]!.body)
  })

  test.each([
    ['stopped', `false 0 registry.example.com/caddy:2.6 ,slipway,`],
    ['running another image', `true ${PID} registry.example.com/caddy:2.5 ,slipway,`],
    ['off the slipway network', `true ${PID} registry.example.com/caddy:2.6 ,bridge,`],
  ])('%s: the full boot (network, login, start or run, wait until it serves)', async (_, s) => {
    const { home: h, dir } = home()
    const api = await adminSocket(dir)
    const result = await run(caddyBoot.boot(config), state(s), { home: h, stdin: 'registry-pw' })
    await api.close()
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(`${dir}\nlogged-in\nready\nmigrate=unavailable\n`)
    expect(result.calls.map((c) => c.slice(0, 2))).toEqual([
      ['inspect', '-f'],
      ['network', 'inspect'],
      ['login', 'registry.example.com'],
      ['container', 'start'],
      ['inspect', '-f'],
    ])
    expect(api.requests).toHaveLength(1)
  })

  test('no such container: login skipped when the run already logged in; docker run with the absolute config dir', async () => {
    const { home: h, dir } = home()
    const api = await adminSocket(dir)
    const body = `[ "$1" = inspect ] && [ "$3" != "{{.State.Pid}}" ] && exit 1; [ "$1" = inspect ] && { echo ${PID}; exit 0; }; [ "$1" = container ] && exit 1; exit 0`
    const result = await run(caddyBoot.boot(config, { login: false }), body, { home: h })
    await api.close()
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain('logged-in')
    expect(result.calls.map((c) => c.slice(0, 2))).toEqual([
      ['inspect', '-f'],
      ['network', 'inspect'],
      ['container', 'start'],
      ['run', '--name'],
      ['inspect', '-f'],
    ])
    expect(result.calls[3]).toContain(`${dir}:/etc/slipway`)
  })

  test('a running caddy that rejects the config fails the boot with its error', async () => {
    const { home: h, dir } = home()
    const api = await adminSocket(dir, { status: 400, body: '{"error":"bad"}' })
    const result = await run(admin.reloadRunning(config, DIR), state(RUNNING), { home: h })
    await api.close()
    expect([result.code, result.stderr]).toEqual([1, '{"error":"bad"}\n'])
  })
})
