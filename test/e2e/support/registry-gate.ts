import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:https'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import { layout, optionsFromEnv } from '../../../sandbox/layout.ts'
import { secretPaths } from '../../../sandbox/secrets.ts'

// A registry the test can take away at the exact moment a pull asks for its manifest: a TLS proxy
// in front of the sandbox registry, with the registry's own certificate, on another port of the
// same address (the servers trust it through the sandbox's certs.d, which they mount). It sees each
// request's path, so "the pull is in flight" is a fact, not a guess from the deploy's output.

/** What the gate does with a request for a matched path. */
export type GateMode = 'pass' | 'hold' | 'gone'

export interface RegistryGate {
  /** `<address>:<port>`: use it as `registry.server`. */
  readonly server: string
  /** Requests for paths matching `re` are held (never answered) or end the registry ('gone'). */
  set(mode: GateMode, re?: RegExp): void
  /** Resolves once a request matching the current rule has come in (from `count` different hosts). */
  matched(count?: number): Promise<void>
  /** Listens again after 'gone', passing everything. */
  reopen(): Promise<void>
  /** Stops listening, drops every connection, removes the trust entry. */
  close(): Promise<void>
}

export async function registryGate(env: NodeJS.ProcessEnv = process.env): Promise<RegistryGate> {
  const l = layout(optionsFromEnv(env))
  const s = secretPaths(l)
  const [address, upstreamPort] = l.registry.split(':') as [string, string]
  const ca = readFileSync(s.caCert)
  const tls = { key: readFileSync(join(s.tlsDir, 'registry.key')), cert: readFileSync(join(s.tlsDir, 'registry.crt')) }
  let mode: GateMode = 'pass'
  let rule = /$^/
  const seen = new Set<string>()
  let wake = (): void => {}
  const sockets = new Set<Socket>()
  let port = 0
  let server: Server

  const listen = async (): Promise<void> => {
    server = createServer(tls, (req, res) => {
      if (rule.test(req.url ?? '') && mode !== 'pass') {
        seen.add(req.socket.remoteAddress ?? '?')
        wake()
        if (mode === 'gone') void gone()
        return // 'hold': never answered
      }
      const up = request(
        { host: address, port: Number(upstreamPort), method: req.method, path: req.url, headers: req.headers, ca },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers)
          upRes.pipe(res)
        },
      )
      up.on('error', () => res.destroy())
      req.pipe(up)
    })
    server.on('secureConnection', (socket: Socket) => {
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve) => server.listen(port, address, resolve))
    port = (server.address() as { port: number }).port
  }
  const gone = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const socket of sockets) socket.destroy()
    await closed
  }

  await listen()
  const trust = join(s.certsD, `${address}:${port}`)
  mkdirSync(trust, { recursive: true })
  writeFileSync(join(trust, 'ca.crt'), ca)
  return {
    server: `${address}:${port}`,
    set(next, re = /$^/) {
      mode = next
      rule = re
      seen.clear()
    },
    matched: (count = 1) =>
      new Promise((resolve) => {
        wake = () => seen.size >= count && resolve()
        wake()
      }),
    async reopen() {
      mode = 'pass'
      if (!server.listening) await listen()
    },
    async close() {
      if (server.listening) await gone()
      for (const socket of sockets) socket.destroy()
      rmSync(trust, { recursive: true, force: true })
    },
  }
}
