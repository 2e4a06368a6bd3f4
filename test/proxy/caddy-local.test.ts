import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, request } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import * as caddy from '../../lib/commands/caddy.ts'
import { localExecutor } from '../../lib/exec/local.ts'
import { cutover, parseCutover } from '../../lib/proxy/caddy-cutover.ts'
import { cmd } from '../../lib/shell/command.ts'
import { makeConfig, role } from '../support/config.ts'

// Debian's caddy on loopback, driven by the very script the caddy driver sends to servers (route
// files + caddy.json, loads through caddy's admin socket, the drain, the stop of the old container).
// No Docker: the "containers" are node HTTP servers in child processes on 127.0.0.1, "stopping" one
// kills it, and a fake `docker` answers `docker inspect` with this process's pid (its
// /proc/<pid>/net/tcp shows the whole namespace). Caddy starts as an older slipway left it, admin on
// TCP: the first load goes through the fallback (`docker exec … caddy reload --address`, mapped onto
// this caddy), which moves the admin API to the socket; every later load is curl on the socket.

const CADDY = '/usr/bin/caddy'
if (!existsSync(CADDY))
  throw new Error(`${CADDY} is missing: apt-get install caddy (Debian's package) to run the proxy tests`)

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
  })

// An upstream process answering its name; `/slow` takes 1.5 s and reports when it was sent.
interface Upstream {
  readonly proc: ChildProcess
  readonly port: number
  slowServedAt?: number
  exitedAt?: number
}
const UPSTREAM = `const [name, port] = process.argv.slice(1); require('node:http').createServer((req, res) =>
  setTimeout(() => res.end(name + '\\n', () => req.url === '/slow' && console.log('slow ' + Date.now())), req.url === '/slow' ? 1500 : 0),
).listen(Number(port), '127.0.0.1', () => console.log('up'))`
const upstream = (name: string, port: number): Promise<Upstream> =>
  new Promise((resolve) => {
    const proc = spawn(process.execPath, ['-e', UPSTREAM, name, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] })
    const u: Upstream = { proc, port }
    proc.once('exit', () => (u.exitedAt = Date.now()))
    proc.stdout!.on('data', (c: Buffer) => {
      for (const line of c.toString().split('\n')) {
        if (line === 'up') resolve(u)
        if (line.startsWith('slow ')) u.slowServedAt = Number(line.slice(5))
      }
    })
  })

const get = (port: number, path = '/'): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = ''
      res
        .on('data', (c: Buffer) => (body += c.toString()))
        .on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject).end()
  })

// A client that connects now and sends the rest of its request only when told: caddy's server of
// the moment accepts it, and routes it with that server's config whenever the headers are complete.
function straggler(port: number): { finish(): void; answer: Promise<{ line: string; at: number }> } {
  const socket = connect(port, '127.0.0.1')
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  let out = ''
  const answer = new Promise<{ line: string; at: number }>((resolve) => {
    socket.on('data', (c: Buffer) => (out += c.toString()))
    socket.on('close', () =>
      resolve({ line: `${out.split('\r\n')[0]} ${out.split('\r\n\r\n')[1]?.trim() ?? ''}`, at: Date.now() }),
    )
    socket.on('error', () => undefined)
  })
  return { finish: () => socket.write('Connection: close\r\n\r\n'), answer }
}

const yml = (appPort: number): string => `service: blog
image: blog
registry: { server: registry.test, username: u, password: [KAMAL_REGISTRY_PASSWORD] }
proxy: { kind: caddy, image: caddy:test, app_port: ${appPort} }
servers:
  web: [10.0.0.1]
`

describe('caddy on loopback', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-caddy-'))
  const bin = mkdtempSync(join(tmpdir(), 'slipway-caddy-bin-'))
  let listen: { listen: string; admin: string }
  let legacy: string
  let httpPort: number
  let ports: [number, number]
  let ups: Upstream[] = []
  let proc: ChildProcess | undefined
  const local = localExecutor({ cwd: dir, env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` } })
  const routeTo = (appPort: number, container: string) => {
    const c = makeConfig(yml(appPort))
    return { name: 'blog-web', route: caddy.route(c, role(c, 'web'), container) }
  }

  // Caddy 2.6 opens a new SO_REUSEPORT listener on each reload and closes the old one; unless
  // tcp_migrate_req is set, the kernel resets connections still queued on the old one. slipway sets
  // it in the caddy container's namespace (caddy.waitReady); this caddy shares the host's, so the
  // test sets it for its run (when it may) and puts the old value back.
  const MIGRATE = '/proc/sys/net/ipv4/tcp_migrate_req'
  let migrateWas: string | undefined

  beforeAll(async () => {
    try {
      const was = readFileSync(MIGRATE, 'utf8').trim()
      writeFileSync(MIGRATE, '1')
      migrateWas = was
    } catch {
      console.warn(
        `caddy loopback test: cannot set ${MIGRATE}; a reload may reset a queued connection (caddy 2.6's listener swap)`,
      )
    }
    httpPort = await freePort()
    listen = { listen: `127.0.0.1:${httpPort}`, admin: `unix/${dir}/${caddy.SOCKET}` }
    legacy = `127.0.0.1:${await freePort()}`
    ports = [await freePort(), await freePort()]
    // prettier-ignore
    writeFileSync(join(bin, 'docker'), `#!/bin/sh
echo "$*" >> '${bin}/calls.log'
case $1 in
  exec) [ "$5" = --config ] && [ "$6" = ${caddy.MOUNT}/caddy.json ] && [ "$7" = --address ] || exit 9
    a=$8; [ "$a" = ${caddy.LEGACY_ADMIN} ] && a=${legacy}; shift 8; exec ${CADDY} reload --config '${dir}/caddy.json' --address "$a" "$@";;
  inspect) shift 2; for n; do echo "/$n ${process.pid}"; done;;
  *) exit 9;;
esac
`)
    chmodSync(join(bin, 'docker'), 0o755)
    await local.run(caddy.apply(dir, undefined, { listen }))
    writeFileSync(
      join(dir, 'legacy.json'),
      JSON.stringify(caddy.serverConfig([], { listen: listen.listen, admin: legacy })),
    )
    proc = spawn(CADDY, ['run', '--config', join(dir, 'legacy.json')], { stdio: 'ignore' })
    for (let i = 0; ; i++) {
      const ok = await get(httpPort).then(
        () => true,
        () => false,
      )
      if (ok) break
      if (i > 200) throw new Error('caddy did not start')
      await new Promise((r) => setTimeout(r, 25))
    }
  })

  afterAll(async () => {
    if (migrateWas !== undefined) writeFileSync(MIGRATE, migrateWas)
    proc?.kill('SIGTERM')
    for (const u of ups) u.proc.kill('SIGTERM')
  })

  test('with no route the catch-all answers 502, not 404', async () => {
    expect(await get(httpPort)).toEqual({ status: 502, body: 'Bad Gateway\n' })
  })

  const calls = (): string[] =>
    existsSync(join(bin, 'calls.log')) ? readFileSync(join(bin, 'calls.log'), 'utf8').split('\n').filter(Boolean) : []

  test('a first cutover (no old container) only switches; on a caddy whose admin is on TCP the fallback moves it to the socket', async () => {
    ups = [await upstream('v1', ports[0]), await upstream('v2', ports[1])]
    expect(existsSync(join(dir, caddy.SOCKET))).toBe(false)
    const first = await local.run(cutover(dir, routeTo(ports[0], '127.0.0.1'), { listen, proxyPort: httpPort }))
    expect(parseCutover(first.stdout)).toEqual({
      switched: true,
      drain: undefined,
      stopped: undefined,
      forceFailed: false,
    })
    expect(await get(httpPort)).toEqual({ status: 200, body: 'v1\n' })
    expect(calls()).toEqual([
      `exec slipway-proxy caddy reload --config ${caddy.MOUNT}/caddy.json --address ${caddy.LEGACY_ADMIN}`,
    ])
    expect(existsSync(join(dir, caddy.SOCKET))).toBe(true)
  })

  test('cutover under load: only 200s, old then new; a request caddy accepted before the switch but sent on later is served by the old container before it stops', async () => {
    const [v1] = ups as [Upstream, Upstream]
    // A bounded request loop (one request every 10 ms, 100/s) for the whole cutover.
    const requests: Promise<string>[] = []
    const timer = setInterval(
      () =>
        requests.push(
          get(httpPort).then(
            (r) => `${r.status} ${r.body.trim()}`,
            (e: Error) => `0 ${e.message}`,
          ),
        ),
      10,
    )
    const slow = get(httpPort, '/slow').then((r) => ({ ...r, at: Date.now() }))
    const late = straggler(httpPort)
    await new Promise((r) => setTimeout(r, 200))
    const t0 = Date.now()
    const running = local.run(
      cutover(dir, routeTo(ports[1], '127.0.0.1'), {
        listen,
        proxyPort: httpPort,
        old: { name: 'blog-web-v1', port: ports[0] },
        stopOld: cmd('kill', String(v1.proc.pid)),
        interval: 0.02,
      }),
    )
    // The straggler's headers complete well after the switch, and after the slow request has been answered.
    setTimeout(() => late.finish(), 1800)
    const result = parseCutover((await running).stdout)
    const tDone = Date.now()
    await new Promise((r) => setTimeout(r, 200))
    clearInterval(timer)
    const seen = await Promise.all(requests)
    if (process.env.SLIPWAY_TIMING) console.log(`cutover ${tDone - t0} ms`)

    expect(result).toEqual({ switched: true, drain: 'drained', stopped: 0, forceFailed: false })
    expect(await late.answer).toMatchObject({ line: 'HTTP/1.1 200 OK v1' })
    const done = await slow
    expect(done).toMatchObject({ status: 200, body: 'v1\n' })
    // v1 was stopped only after it had answered both the slow request and the straggler.
    await new Promise((r) => setTimeout(r, 100))
    expect(v1.exitedAt).toBeGreaterThanOrEqual(v1.slowServedAt!)
    expect(v1.exitedAt).toBeGreaterThanOrEqual((await late.answer).at - 50)
    expect(seen.length).toBeGreaterThan(100)
    expect(seen.filter((s) => s !== '200 v1' && s !== '200 v2')).toEqual([])
    const firstNew = seen.indexOf('200 v2')
    expect(firstNew).toBeGreaterThan(0)
    expect(seen.slice(firstNew).filter((s) => s === '200 v1').length).toBeLessThanOrEqual(3) // only those already in flight at the switch
    expect(JSON.parse(readFileSync(join(dir, 'caddy.json'), 'utf8'))).toEqual(
      caddy.serverConfig([routeTo(ports[1], '127.0.0.1').route], listen),
    )
    // Both loads went through the socket: docker was asked only for the two pids, once.
    expect(calls().slice(1)).toEqual([`inspect -f {{.Name}} {{.State.Pid}} slipway-proxy blog-web-v1`])
  }, 30_000)

  test('a dead upstream answers 502', async () => {
    ups[1]!.proc.kill('SIGTERM')
    await new Promise((r) => ups[1]!.proc.once('exit', r))
    expect((await get(httpPort)).status).toBe(502)
  })

  test('deleting the route file and reloading leaves the catch-all', async () => {
    await local.run(cutover(dir, { name: 'blog-web', route: undefined }, { listen, proxyPort: httpPort }))
    expect(await get(httpPort)).toEqual({ status: 502, body: 'Bad Gateway\n' })
  })
})
