import { spawn } from 'node:child_process'
import { Duplex } from 'node:stream'
// ssh2 is CommonJS: Node's ESM loader sees only its default export (vitest hides this; tsx does not).
import ssh2, { type AnyAuthMethod, type Client, type ServerHostKeyAlgorithm } from 'ssh2'
import { CancelledError, SshError } from '../errors.ts'
import { fingerprint, hostKeyName, keyType, type knownHosts } from './known-hosts.ts'
import type { Semaphore } from './semaphore.ts'

/** Where to connect, as ssh would print it: `user@host:port`. */
export interface Endpoint {
  readonly user: string
  readonly host: string
  readonly port: number
}

/** `root@10.0.0.1:22` */
export const address = (e: Endpoint): string => `${e.user}@${e.host}:${e.port}`

/** `user@host[:port]` (Kamal's `ssh.proxy`); the user defaults to root and the port to 22. */
export function parseEndpoint(
  spec: string,
  defaults: { user: string; port: number } = { user: 'root', port: 22 },
): Endpoint {
  const at = spec.lastIndexOf('@')
  const user = at >= 0 ? spec.slice(0, at) : defaults.user
  const rest = at >= 0 ? spec.slice(at + 1) : spec
  const m = /^\[(.+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest)
  if (!m?.[1]) return { user, host: rest, port: defaults.port } // a bare IPv6 address
  return { user, host: m[1], port: m[2] ? Number(m[2]) : defaults.port }
}

/** What every connection of a pool shares. */
export interface ConnectDeps {
  readonly auth: (username: string) => Promise<AnyAuthMethod[]>
  readonly knownHosts: ReturnType<typeof knownHosts>
  readonly verifyHostKey: 'accept-new' | 'always' | 'never'
  /** `max_concurrent_starts`, shared by all hosts of a run. */
  readonly starts: Semaphore
  readonly keepalive: { readonly keepaliveInterval: number; readonly keepaliveCountMax: number }
  readonly readyTimeout: number
  readonly signal: AbortSignal | undefined
}

// ssh2's defaults, reordered per host so a key type already in known_hosts is negotiated first (as OpenSSH does).
const HOST_KEY_ALGORITHMS: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
]
const algorithmsOf = (type: string): ServerHostKeyAlgorithm[] =>
  type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : HOST_KEY_ALGORITHMS.filter((a) => a === type)

/** Opens one authenticated SSH connection, through `sock` when given (a jump host channel or a proxy command). */
export async function connect(to: Endpoint, deps: ConnectDeps, sock?: Duplex): Promise<Client> {
  const release = await deps.starts.acquire(deps.signal)
  try {
    const [methods, known] = await Promise.all([
      deps.auth(to.user),
      deps.verifyHostKey === 'never' ? [] : deps.knownHosts.knownTypes(to.host, to.port),
    ])
    const preferred = known.flatMap(algorithmsOf)
    const serverHostKey = [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])]
    return await new Promise<Client>((resolve, reject) => {
      const client = new ssh2.Client()
      let refusal: string | undefined
      let failed = false
      const fail = (error: Error) => {
        if (failed) return
        failed = true
        deps.signal?.removeEventListener('abort', onAbort)
        client.destroy()
        sock?.destroy()
        reject(error)
      }
      const onAbort = () => fail(new CancelledError(`cancelled while connecting to ${address(to)}`))
      deps.signal?.addEventListener('abort', onAbort, { once: true })
      if (deps.signal?.aborted) return onAbort() // aborted while we waited for a start slot or read keys
      client.once('ready', () => {
        deps.signal?.removeEventListener('abort', onAbort)
        // Small request/response packets: with Nagle on, each command waits out a 40 ms delayed ACK.
        client.setNoDelay(true)
        resolve(client)
      })
      // `on`, not `once`: destroying a half-open client emits a second error that must not go unhandled.
      client.on('error', (cause) =>
        fail(new SshError(`cannot connect to ${address(to)}: ${refusal ?? cause.message}`, { cause })),
      )
      const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
        if (deps.verifyHostKey === 'never') return verify(true)
        checkHostKey(to, key, deps).then(
          (problem) => verify(!(refusal = problem)),
          (error: Error) => verify(!(refusal = `cannot check ${deps.knownHosts.file}: ${error.message}`)),
        )
      }
      client.connect({
        host: to.host,
        port: to.port,
        username: to.user,
        sock,
        authHandler: methods,
        hostVerifier,
        algorithms: { serverHostKey },
        ...deps.keepalive,
        readyTimeout: deps.readyTimeout,
      })
    })
  } finally {
    release()
  }
}

/** undefined when the key may be used (recording a new one under accept-new), else why it is refused. */
async function checkHostKey(to: Endpoint, key: Buffer, deps: ConnectDeps): Promise<string | undefined> {
  const { knownHosts: kh } = deps
  const found = await kh.check(to.host, to.port, key)
  const offered = `${keyType(key)} ${fingerprint(key)}`
  switch (found.status) {
    case 'known':
      return undefined
    case 'new':
      if (deps.verifyHostKey === 'always') return `host key ${offered} is not in ${kh.file} (verify_host_key: always)`
      await kh.add(to.host, to.port, key)
      return undefined
    case 'changed':
      return `host key changed: the server offers ${offered} but ${kh.file}:${found.line} has another ${found.knownType} key; if the server was rebuilt, run ssh-keygen -R '${hostKeyName(to.host, to.port)}' -f ${kh.file}`
    case 'revoked':
      return `host key ${offered} is revoked at ${kh.file}:${found.line}`
  }
}

/** OpenSSH's ProxyCommand: `%h`, `%p` and `%r` expand to the target; the command's stdio carries the connection. */
export function proxyCommandSocket(command: string, to: Endpoint): Duplex {
  const expanded = command.replace(/%([hpr%])/g, (_, c: string) =>
    c === 'h' ? to.host : c === 'p' ? String(to.port) : c === 'r' ? to.user : '%',
  )
  const child = spawn('/bin/sh', ['-c', expanded], { stdio: ['pipe', 'pipe', 'inherit'] })
  const duplex = Duplex.from({ readable: child.stdout, writable: child.stdin })
  duplex.on('close', () => child.kill())
  return duplex
}
