import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import { type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import * as caddy from '../../lib/commands/caddy.ts'
import { localExecutor } from '../../lib/exec/local.ts'
import { cmd } from '../../lib/shell/command.ts'
import { makeConfig, role } from '../support/config.ts'

// Debian's caddy on loopback, driven by the same builders the caddy driver sends to servers:
// the route files + caddy.json assembly script, `caddy reload`, and the /proc connection drain.
// No Docker: "containers" are node HTTP servers on 127.0.0.1, and a fake `docker inspect`
// answers with this process's pid (its /proc/<pid>/net/tcp shows the whole network namespace).

const CADDY = '/usr/bin/caddy'
if (!existsSync(CADDY)) throw new Error(`${CADDY} is missing: apt-get install caddy (Debian's package) to run the proxy tests`)

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo
      s.close(() => resolve(port))
    })
  })

// When an upstream finished answering `/slow` (server side), by name.
const slowServedAt = new Map<string, number>()

// An upstream answering its name; `/slow` takes 1.5 s, to be in flight across a switch.
const upstream = (name: string, port: number): Promise<Server> =>
  new Promise((resolve) => {
    const server = createServer((req, res) =>
      setTimeout(() => res.end(`${name}\n`, () => req.url === '/slow' && slowServedAt.set(name, Date.now())), req.url === '/slow' ? 1500 : 0),
    )
    server.listen(port, '127.0.0.1', () => resolve(server))
  })

const get = (port: number, path = '/'): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString())).on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject).end()
  })

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
  let httpPort: number
  let ports: [number, number]
  let servers: Server[] = []
  let proc: ChildProcess | undefined
  const local = localExecutor({ cwd: dir, env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` } })
  const reload = cmd(CADDY, 'reload', '--config', join(dir, 'caddy.json'))

  beforeAll(async () => {
    httpPort = await freePort()
    listen = { listen: `127.0.0.1:${httpPort}`, admin: `127.0.0.1:${await freePort()}` }
    ports = [await freePort(), await freePort()]
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho ${process.pid}\n`)
    chmodSync(join(bin, 'docker'), 0o755)
    await local.run(caddy.apply(dir, undefined, { listen }))
    proc = spawn(CADDY, ['run', '--config', join(dir, 'caddy.json')], { stdio: 'ignore' })
    for (let i = 0; ; i++) {
      const ok = await get(httpPort).then(() => true, () => false)
      if (ok) break
      if (i > 200) throw new Error('caddy did not start')
      await new Promise((r) => setTimeout(r, 25))
    }
  })

  afterAll(async () => {
    proc?.kill('SIGTERM')
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  })

  test('with no route the catch-all answers 502, not 404', async () => {
    expect(await get(httpPort)).toEqual({ status: 502, body: 'Bad Gateway\n' })
  })

  test('switching under load: only 200s, old version then new; in-flight requests finish; drain waits for them', async () => {
    servers = [await upstream('v1', ports[0]), await upstream('v2', ports[1])]
    const [c1, c2] = [makeConfig(yml(ports[0])), makeConfig(yml(ports[1]))]
    const web1 = role(c1, 'web')
    await local.run(caddy.apply(dir, { name: 'blog-web', route: caddy.route(c1, web1, '127.0.0.1') }, { listen, reload }))
    expect(await get(httpPort)).toEqual({ status: 200, body: 'v1\n' })

    // A bounded request loop (one request every 10 ms, 100/s) for the whole switch.
    const requests: Promise<string>[] = []
    const timer = setInterval(() => requests.push(get(httpPort).then((r) => `${r.status} ${r.body.trim()}`, (e: Error) => `0 ${e.message}`)), 10)
    const slow = get(httpPort, '/slow').then((r) => ({ ...r, at: Date.now() }))
    await new Promise((r) => setTimeout(r, 200))
    const tSwitch = Date.now()
    const switched = await local.run(caddy.apply(dir, { name: 'blog-web', route: caddy.route(c2, role(c2, 'web'), '127.0.0.1') }, { listen, reload }))
    expect(switched.stdout.trim()).toBe(dir)
    const t0 = Date.now()
    const drained = await local.run(caddy.drain('blog-web-v1', ports[0], { interval: 0.05 }))
    if (process.env.SLIPWAY_TIMING) console.log(`switch ${t0 - tSwitch} ms, drain ${Date.now() - t0} ms, slow served ${slowServedAt.get('v1')! - t0} ms after drain start`)
    const drainedAt = Date.now()
    await new Promise((r) => setTimeout(r, 200))
    clearInterval(timer)
    const seen = await Promise.all(requests)

    expect(drained.stdout.trim()).toBe('drained')
    const done = await slow
    expect(done).toMatchObject({ status: 200, body: 'v1\n' })
    // The drain ended only after v1 had sent the whole slow response (its connection was open until then).
    expect(drainedAt).toBeGreaterThanOrEqual(slowServedAt.get('v1')!)
    expect(done.at).toBeGreaterThanOrEqual(slowServedAt.get('v1')!)
    expect(seen.length).toBeGreaterThan(20)
    expect(seen.filter((s) => s !== '200 v1' && s !== '200 v2')).toEqual([])
    const firstNew = seen.indexOf('200 v2')
    expect(firstNew).toBeGreaterThan(0)
    expect(seen.slice(firstNew).filter((s) => s === '200 v1').length).toBeLessThanOrEqual(3) // only those already in flight at the switch
    expect(JSON.parse(readFileSync(join(dir, 'caddy.json'), 'utf8'))).toEqual(caddy.serverConfig([caddy.route(c2, role(c2, 'web'), '127.0.0.1')], listen))
  }, 30_000)

  test('a dead upstream answers 502', async () => {
    await new Promise((r) => servers[1]!.close(r))
    servers = servers.slice(0, 1)
    expect((await get(httpPort)).status).toBe(502)
  })

  test('deleting the route file and reloading leaves the catch-all', async () => {
    await local.run(caddy.apply(dir, { name: 'blog-web', route: undefined }, { listen, reload }))
    expect(await get(httpPort)).toEqual({ status: 502, body: 'Bad Gateway\n' })
  })
})
