import { createServer, connect, type Server, type Socket } from 'node:net'
import { afterAll, describe, expect, test } from 'vitest'
import * as caddy from '../../lib/commands/caddy.ts'
import { cutover, parseCutover } from '../../lib/proxy/caddy-cutover.ts'
import * as app from '../../lib/commands/app.ts'
import { argv, cmd, render } from '../../lib/shell/command.ts'
import { makeConfig, role } from '../support/config.ts'
import { runWithFakeDocker } from '../commands/fake-docker.ts'

// The cutover script's argv, and its control flow through real sh with a fake `docker`. The drain
// reads real /proc: `docker inspect` answers with this process's pid, whose namespace holds the
// connections the tests open.

const config = makeConfig(`service: blog
image: blog
registry: { server: registry.example.com, username: user, password: [KAMAL_REGISTRY_PASSWORD] }
proxy: { kind: caddy, image: caddy:2.6, app_port: 3000 }
servers:
  web: [1.1.1.1]
`)
const change = { name: 'blog-web', route: caddy.route(config, role(config, 'web'), 'blog-web-v2') }
const stopOld = cmd('docker', 'stop', '-t', '2', 'blog-web-v1')
// No admin socket in these temp dirs: every load takes the fallback (the socket path runs against
// real caddy in caddy-local.test.ts).
const RELOAD = [
  'exec',
  'slipway-proxy',
  'caddy',
  'reload',
  '--config',
  '/etc/slipway/caddy.json',
  '--address',
  'localhost:2019',
]
const PIDS = ['inspect', '-f', '{{.Name}} {{.State.Pid}}', 'slipway-proxy', 'blog-web-v1']
// Fake docker: reloads succeed; inspect answers `/name pid` with this process's pid, nothing for a
// container named gone, and pid 999999999 (no such process) for one named exited; stop succeeds.
const docker = (extra = '') =>
  `${extra}case $1 in inspect) shift 2; for n; do case $n in gone) ;; exited) echo "/$n 999999999";; *) echo "/$n ${process.pid}";; esac; done;; esac; exit 0`

describe('cutover argv', () => {
  test('route values, the admin values, the ports in /proc hex, the old container, the bounds, then stopOld', () => {
    const a = argv(
      cutover('.kamal/proxy', change, { old: { name: 'blog-web-v1', port: 3000 }, stopOld, timeoutSeconds: 30 }),
    )
    const { head, tail } = caddy.configParts()
    expect(a.slice(0, 3)).toEqual(['sh', '-c', a[2]])
    // prettier-ignore
    expect(a.slice(3)).toEqual([
      'sh', '.kamal/proxy', 'blog-web', JSON.stringify(change.route), '1', head, tail,
      'slipway-proxy', '/etc/slipway/caddy.json', 'admin.sock', 'unix//etc/slipway/admin.sock', 'localhost:2019',
      '0050', 'blog-web-v1', '0BB8', '30', '0.05',
      'docker', 'stop', '-t', '2', 'blog-web-v1',
    ])
  })
  test('logs show a program given as stopOld by its file, as they show the cutover itself', () => {
    const stopProgram = app.staleContainers(config, role(config, 'web'), { stop: true })
    const shown = render(cutover('p', change, { old: { name: 'blog-web-v1', port: 3000 }, stopOld: stopProgram }), {
      redact: true,
    })
    expect(shown).toMatch(/^sh caddy-cutover\.sh p blog-web /)
    expect(shown).toMatch(/ 0\.05 sh stale-containers\.sh /)
    expect(shown).not.toContain('\n')
  })
  test('stopOld must be a simple command', () => {
    expect(() => cutover('p', change, { stopOld: { kind: 'and', commands: [stopOld, stopOld] } })).toThrow(
      'simple stop command',
    )
  })
})

describe('cutover through sh', () => {
  const servers: Server[] = []
  const sockets: Socket[] = []
  afterAll(() => {
    for (const s of sockets) s.destroy()
    for (const s of servers) s.close()
  })

  test("a failed reload exits 1 with caddy's error: nothing drained, nothing stopped", () => {
    const run = runWithFakeDocker(
      cutover('p', change, { old: { name: 'blog-web-v1', port: 3000 }, stopOld }),
      docker('[ "$1" = exec ] && { echo "Error: loading config: bad" >&2; exit 1; }; '),
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('loading config: bad')
    expect(parseCutover(run.stdout).switched).toBe(false)
    expect(run.calls).toEqual([PIDS, RELOAD])
  })

  test('a first deploy (no old container) only writes the route and reloads once', () => {
    const run = runWithFakeDocker(cutover('p', change), docker())
    expect([run.code, run.stdout]).toEqual([0, 'switched\n'])
    expect(run.calls).toEqual([RELOAD])
  })

  test('nothing open: both pids first (one inspect), reload, snapshot, forced reload, drained, then stopOld', () => {
    // Ports nobody uses here: no connection to wait for.
    const run = runWithFakeDocker(
      cutover('p', change, { old: { name: 'blog-web-v1', port: 1 }, proxyPort: 2, stopOld, interval: 0.01 }),
      docker(),
    )
    expect(run.code).toBe(0)
    expect(parseCutover(run.stdout)).toEqual({ switched: true, drain: 'drained', stopped: 0, forceFailed: false })
    expect(run.calls).toEqual([PIDS, RELOAD, [...RELOAD, '--force'], ['stop', '-t', '2', 'blog-web-v1']])
  })

  test('an old container that is gone is not waited for; stopOld still runs and its status is reported', () => {
    const run = runWithFakeDocker(
      cutover('p', change, { old: { name: 'gone', port: 1 }, proxyPort: 2, stopOld: cmd('docker', 'stop', 'gone') }),
      docker('[ "$1" = stop ] && exit 1; '),
    )
    expect(parseCutover(run.stdout)).toEqual({ switched: true, drain: 'gone', stopped: 1, forceFailed: false })
  })

  test('an old container that exited after its pid was read is gone too, not unobservable', () => {
    const run = runWithFakeDocker(
      cutover('p', change, {
        old: { name: 'exited', port: 1 },
        proxyPort: 2,
        stopOld: cmd('docker', 'stop', 'exited'),
      }),
      docker(),
    )
    expect(parseCutover(run.stdout)).toEqual({ switched: true, drain: 'gone', stopped: 0, forceFailed: false })
  })

  test('a failed forced reload is reported, the drain goes on', () => {
    const run = runWithFakeDocker(
      cutover('p', change, { old: { name: 'blog-web-v1', port: 1 }, proxyPort: 2, interval: 0.01 }),
      docker('[ "$9" = --force ] && exit 1; '),
    )
    expect(parseCutover(run.stdout)).toEqual({
      switched: true,
      drain: 'drained',
      stopped: undefined,
      forceFailed: true,
    })
  })

  const listenAndConnect = async (): Promise<number> => {
    const server = createServer((s) => sockets.push(s))
    servers.push(server)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    await new Promise<void>((r) => sockets.push(connect(port, '127.0.0.1', r)))
    return port
  }

  test('an open connection to the old container holds the drain until the timeout, then it stops anyway', async () => {
    const port = await listenAndConnect()
    const run = runWithFakeDocker(
      cutover('p', change, {
        old: { name: 'blog-web-v1', port },
        proxyPort: 2,
        stopOld,
        timeoutSeconds: 0,
        interval: 0.01,
      }),
      docker(),
    )
    expect(parseCutover(run.stdout)).toEqual({ switched: true, drain: 'timeout app 1', stopped: 0, forceFailed: false })
  })

  test('a client connection caddy held at the switch holds the drain (the previous config may still route it to the old container)', async () => {
    const port = await listenAndConnect()
    const run = runWithFakeDocker(
      cutover('p', change, {
        old: { name: 'blog-web-v1', port: 1 },
        proxyPort: port,
        stopOld,
        timeoutSeconds: 0,
        interval: 0.01,
      }),
      docker(),
    )
    expect(parseCutover(run.stdout)).toEqual({
      switched: true,
      drain: 'timeout proxy 1',
      stopped: 0,
      forceFailed: false,
    })
  })
})
