import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'
import type { Client } from 'ssh2'
import type { SshConfig } from '../config/types.ts'
import { CommandError, HostLostError, SshError } from '../errors.ts'
import { abortable, delay } from './abort.ts'
import { render, secretsOf, type Command } from '../shell/command.ts'
import type { Executor, Result, RunOptions, TerminalIo } from './executor.ts'
import { knownHosts } from './known-hosts.ts'
import { scrub, scrubbedLines } from './output.ts'
import { semaphore, type Semaphore } from './semaphore.ts'
import { authMethods, loadKeys } from './ssh-auth.ts'
import { answers, DEFAULT_LIVENESS, keepaliveOptions, lostReason, type Liveness } from './ssh-liveness.ts'
import { ChannelRefused, killRemote, runChannel } from './ssh-channel.ts'
import { runPty } from './ssh-pty.ts'
import { address, connect, parseEndpoint, proxyCommandSocket, type ConnectDeps, type Endpoint } from './ssh-connect.ts'

// The timeouts have defaults here too, for pools made without a loaded config (tests, tools).
type Timeouts = 'connectTimeout' | 'keepaliveInterval' | 'keepaliveMaxcount'

/** `ssh:` config plus what tests (and unusual setups) inject instead of the user's ~/.ssh. */
export type SshPoolConfig = Omit<SshConfig, Timeouts> &
  Partial<Pick<SshConfig, Timeouts>> & {
    /** @default ~/.ssh/known_hosts */
    readonly knownHostsFile?: string | undefined
    /** Keys tried when `ssh.keys` is empty. @default the ~/.ssh/id_{ed25519,ecdsa,rsa} that exist */
    readonly identityFiles?: readonly string[] | undefined
  }

/** Run-wide knobs; all optional. */
export interface SshPoolOptions {
  /** Aborts connection attempts in progress (commands take their own `signal`). */
  readonly signal?: AbortSignal | undefined
  /** Channels open at once per connection; more wait. Below sshd's MaxSessions (10). @default 8 */
  readonly channelsPerConnection?: number | undefined
  /** When a silent host is declared lost, in ms, over the config's `keepalive_*` (tests). */
  readonly liveness?: Liveness | undefined
  /** Connect timeout in ms, TCP and handshake, over the config's `connect_timeout` (tests). */
  readonly readyTimeout?: number | undefined
  /** The agent socket. @default process.env.SSH_AUTH_SOCK */
  readonly agent?: string | undefined
}

/** One connection per host per run, commands as parallel channels on it. */
export interface SshPool {
  /** The (lazy) executor for `host` or `host:port`; the same object for the same host. */
  executor(host: string): Executor
  /** Ends every connection, jump host last. */
  close(): Promise<void>
  /** Connections made (jump host included) and commands run per host, for the benchmark. */
  stats(): { connections: number; commands: Record<string, number>; peakStarts: number }
}

interface Conn {
  client: Promise<Client> | undefined
  /** The connection once it is up. */
  ready: Client | undefined
  /** Why the host is lost for the rest of the run: its commands fail at once, nothing redials. */
  lost: string | undefined
  readonly channels: Semaphore
  readonly endpoint: Endpoint
}

// How long close() waits for kills of cancelled commands to reach unresponsive hosts.
const KILL_GRACE_MS = 5_000
// How long close() waits for a server to confirm the disconnect: a frozen one never does.
const CLOSE_GRACE_MS = 2_000

/** The ssh2 executor pool for one run; nothing is dialled until a command needs it. */
export function sshPool(config: SshPoolConfig, opts: SshPoolOptions = {}): SshPool {
  const sources = { ...config, agent: 'agent' in opts ? opts.agent : process.env.SSH_AUTH_SOCK }
  const liveness = opts.liveness ?? {
    interval: (config.keepaliveInterval ?? DEFAULT_LIVENESS.interval / 1000) * 1000,
    count: config.keepaliveMaxcount ?? DEFAULT_LIVENESS.count,
  }
  let keys: Promise<Buffer[]> | undefined
  const deps: ConnectDeps = {
    auth: async (user) => authMethods(user, await (keys ??= loadKeys(sources)), sources),
    knownHosts: knownHosts(config.knownHostsFile ?? join(homedir(), '.ssh', 'known_hosts')),
    verifyHostKey: config.verifyHostKey,
    starts: semaphore(config.maxConcurrentStarts),
    keepalive: keepaliveOptions(liveness),
    readyTimeout: opts.readyTimeout ?? (config.connectTimeout ?? 15) * 1000,
    signal: opts.signal,
  }
  const conns = new Map<string, Conn>()
  const executors = new Map<string, Executor>()
  const commands: Record<string, number> = {}
  const open = new Set<Client>()
  let connections = 0
  let jump: Promise<Client> | undefined
  const kills = new Set<Promise<void>>()

  const track = (client: Client, conn?: Conn): Client => {
    connections++
    open.add(client)
    if (conn) conn.ready = client
    // After 'ready', errors surface through the channels; a keepalive timeout also marks the host lost.
    client
      .on('error', (error: Error) => {
        if (conn && /keepalive/i.test(error.message)) conn.lost ??= lostReason(error, liveness)
      })
      .once('close', () => {
        open.delete(client)
        if (conn?.ready === client) conn.ready = undefined
      })
    return client
  }

  // On a cancel, every connection must answer within one keepalive interval, or its host is lost:
  // the cleanup that follows (kills, stopping new containers, the lock) must not wait on a dead host.
  const onCancel = (): void => {
    for (const conn of conns.values()) {
      const client = conn.ready
      if (!client || conn.lost) continue
      void answers(client, liveness.interval).then((alive) => {
        if (alive || conn.lost) return
        conn.lost = `no answer within ${liveness.interval / 1000} s after the cancel`
        client.destroy()
      })
    }
  }
  opts.signal?.addEventListener('abort', onCancel, { once: true })

  async function socketFor(to: Endpoint): Promise<Duplex | undefined> {
    if (config.proxyCommand) return proxyCommandSocket(config.proxyCommand, to)
    if (!config.proxy) return undefined
    const via = parseEndpoint(config.proxy)
    if (!jump) {
      const pending = (jump = connect(via, deps).then(track))
      pending.then(
        (c) => c.once('close', () => jump === pending && (jump = undefined)),
        () => {},
      )
    }
    const client = await jump
    return new Promise((resolve, reject) =>
      client.forwardOut('127.0.0.1', 0, to.host, to.port, (err, stream) =>
        err
          ? reject(new SshError(`cannot connect to ${address(to)} via ${address(via)}: ${err.message}`, { cause: err }))
          : resolve(stream),
      ),
    )
  }

  function clientFor(conn: Conn): Promise<Client> {
    if (conn.lost) return Promise.reject(new HostLostError(address(conn.endpoint), conn.lost, 'earlier in this run'))
    if (conn.client) return conn.client
    const pending = socketFor(conn.endpoint)
      .then((sock) => connect(conn.endpoint, deps, sock))
      .then((client) => track(client, conn))
    conn.client = pending
    // A dropped connection is redialled by the next command; a failed dial is not retried within the run.
    pending.then(
      (c) => c.once('close', () => conn.client === pending && (conn.client = undefined)),
      () => {},
    )
    return pending
  }

  function executor(host: string): Executor {
    const existing = executors.get(host)
    if (existing) return existing
    const endpoint = parseEndpoint(host, { user: config.user, port: config.port })
    const conn: Conn = {
      client: undefined,
      ready: undefined,
      lost: undefined,
      channels: semaphore(opts.channelsPerConnection ?? 8),
      endpoint,
    }
    conns.set(host, conn)
    const where = address(endpoint)

    // Cleanup after a cancel: best effort, never with the caller's (aborted) signal.
    const killer = (pid: number) => {
      const killing = run(killRemote(pid), { allowFailure: true }).then(
        () => {},
        () => {},
      )
      kills.add(killing)
      void killing.finally(() => kills.delete(killing))
    }

    async function run(command: Command, options: RunOptions = {}): Promise<Result> {
      const { allowFailure = false, stdin, onOutput, signal } = options
      const secrets = secretsOf(command)
      const shown = render(command, { redact: true, brief: true })
      const script = render(command, { redact: false })
      const lines = scrubbedLines(onOutput, secrets)
      let result: Result | undefined
      // sshd frees a session a moment after its channel closes, so a burst can briefly exceed MaxSessions
      // even below our limit: back off and retry the open (nothing has run yet), for at most about 3 s.
      for (let attempt = 0; !result; attempt++) {
        const client = await abortable(clientFor(conn), signal, () => `cancelled \`${shown}\` on ${where}`)
        const release = await conn.channels.acquire(signal)
        try {
          result = await runChannel({
            client,
            where,
            script,
            shown,
            stdin,
            onOutput: lines,
            signal,
            kill: killer,
            lost: () => conn.lost,
          })
        } catch (error) {
          if (!(error instanceof ChannelRefused) || attempt >= 30) throw error
        } finally {
          release()
        }
        if (!result) await delay(Math.min(5 * 2 ** attempt, 100), signal)
      }
      commands[host] = (commands[host] ?? 0) + 1
      if (result.exitCode !== 0 && !allowFailure) {
        throw new CommandError(
          host,
          shown,
          result.exitCode,
          scrub(result.stderr, secrets),
          scrub(result.stdout, secrets),
        )
      }
      return result
    }
    async function attach(command: Command, terminal: TerminalIo, { signal }: { signal?: AbortSignal } = {}) {
      const shown = render(command, { redact: true, brief: true })
      const client = await abortable(clientFor(conn), signal, () => `cancelled \`${shown}\` on ${where}`)
      const release = await conn.channels.acquire(signal)
      try {
        // One program: it replaces the wrapping shell, so that it alone gets the terminal's signals (Ctrl-C).
        const script = `${command.kind === 'exec' ? 'exec ' : ''}${render(command, { redact: false })}`
        return await runPty({ client, where, script, shown, terminal, signal })
      } finally {
        release()
        commands[host] = (commands[host] ?? 0) + 1
      }
    }
    const made: Executor = { host, run, attach }
    executors.set(host, made)
    return made
  }

  async function close(): Promise<void> {
    // A cancelled command is killed over another channel (ssh-channel.ts): that must run before the
    // connection ends, or the remote command is orphaned (a `docker build` would run to its end).
    if (kills.size > 0) {
      let timer: NodeJS.Timeout | undefined
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, KILL_GRACE_MS)))
      await Promise.race([Promise.all(kills), grace])
      clearTimeout(timer)
    }
    const ended = (c: Client) =>
      new Promise<void>((resolve) => {
        if (!open.has(c)) return resolve()
        const timer = setTimeout(() => (c.destroy(), resolve()), CLOSE_GRACE_MS)
        c.once('close', () => (clearTimeout(timer), resolve()))
        c.end()
      })
    const targets = [...conns.values()].map((c) => c.client?.then(ended, () => {}))
    await Promise.all(targets)
    await jump?.then(ended, () => {})
    opts.signal?.removeEventListener('abort', onCancel)
  }

  return { executor, close, stats: () => ({ connections, commands: { ...commands }, peakStarts: deps.starts.peak }) }
}
