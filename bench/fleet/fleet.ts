import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { constants, tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Servers made cheap for the scale bench: one sshd per host, each on its own loopback address
 * (127.<net>.x.y, all of 127/8 is local on Linux), sharing one host key and one authorized key. A
 * session runs in the host's own home dir with a fake `docker` (fake-docker.sh) first on PATH, which
 * keeps that host's containers and images in files. No containers, no network namespaces: 200 hosts
 * cost 200 idle sshds.
 */
export interface Fleet {
  readonly hosts: readonly string[]
  readonly port: number
  /** The private key authorized on every host, and a known_hosts file listing every host. */
  readonly sshKey: string
  readonly knownHosts: string
  readonly dir: string
  /** Puts an image in the fake registry: `pull` of `ref` then finds it, with label service=`service`. */
  publish(ref: string, service: string): void
  /** TCP connections each host's sshd accepted so far. */
  connections(): Record<string, number>
  /**
   * Each connection's handshake as its sshd logged it: from "Connection from" to "Accepted
   * publickey", in ms since the epoch as the lines arrived (what `max_concurrent_starts` bounds).
   */
  handshakes(): { host: string; start: number; end: number | undefined }[]
  /**
   * CPU seconds the hosts have used so far: every sshd with all it ran (sessions, shells, the fake
   * docker) once they ended, from /proc. The servers share this machine's cores with the deploy.
   */
  cpuSeconds(): number
  /** Commands the fake docker refused (unknown command, flag or format), one line each. */
  refused(): string[]
  /** Each container's [run, ready] interval in ms since the epoch (ready: first reported healthy). */
  boots(): { host: string; name: string; run: number; ready: number | undefined }[]
  /** Ends `child` and its process group (spawn it `detached`) when the fleet stops: a deploy to it. */
  adopt(child: ChildProcess): void
  /** Stops every sshd and removes the dir. Safe to call twice; also runs on exit and Ctrl-C. */
  stop(): void
}

export interface FleetOptions {
  readonly hosts: number
  /** Second octet of the loopback addresses (127.<net>.x.y). @default random, 64–253 */
  readonly net?: number
  /** @default 3022 */
  readonly port?: number
  /** How long a new container's health stays `starting`. @default 300 */
  readonly healthyAfterMs?: number
}

const FAKE_DOCKER = join(import.meta.dirname, 'fake-docker.sh')

/**
 * A fleet of `hosts` cheap hosts. Without `net`, on a random 127.<net>.0.0/16 (another fleet, of
 * another bench or checkout, may be up): one whose address is taken is given up for another.
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  if (options.net !== undefined) return fleetOn(options.net, options)
  for (let attempt = 1; ; attempt++) {
    const net = 64 + Math.floor(Math.random() * 190)
    try {
      return await fleetOn(net, options)
    } catch (error) {
      if (attempt >= 5 || !/Address already in use/.test(String(error))) throw error
    }
  }
}

async function fleetOn(net: number, { hosts: count, port = 3022, healthyAfterMs = 300 }: FleetOptions): Promise<Fleet> {
  if (count < 1 || count > 250 * 250) throw new Error(`a fleet of ${count} hosts cannot be made`)
  if (process.getuid?.() !== 0) throw new Error('the fleet runs an sshd per host that logs in as root: run it as root')
  requireTool('/usr/sbin/sshd', 'openssh-server')
  requireTool('/usr/bin/ssh-keygen', 'openssh-client')
  const dir = mkdtempSync(join(tmpdir(), 'slipway-fleet-'))
  const children: ChildProcess[] = []
  const adopted: ChildProcess[] = []
  let stopped = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    // A deploy first, so that it stops writing its run log into the dir.
    for (const child of adopted) if (child.exitCode === null && child.signalCode === null) killGroup(child.pid)
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 })
    } catch (error) {
      process.stderr.write(`fleet: cannot remove ${dir}: ${(error as Error).message}\n`)
    }
  }
  // Exit as the signal would have: other listeners (tsx's) would keep the process running. The
  // listener stays until then, so that a second Ctrl-C during the cleanup does not cut it short.
  const interrupted = (signal: NodeJS.Signals): void => {
    stop()
    process.exit(128 + (constants.signals[signal] ?? 0))
  }
  const stopAndRelease = (): void => {
    stop()
    process.off('exit', stop)
    process.off('SIGINT', interrupted)
    process.off('SIGTERM', interrupted)
  }
  process.on('exit', stop)
  process.on('SIGINT', interrupted)
  process.on('SIGTERM', interrupted)
  try {
    mkdirSync(join(dir, 'bin'))
    copyFileSync(FAKE_DOCKER, join(dir, 'bin/docker'))
    chmodSync(join(dir, 'bin/docker'), 0o755)
    writeFileSync(join(dir, 'registry'), '')
    writeFileSync(join(dir, 'boots.log'), '')
    writeFileSync(join(dir, 'unknown.log'), '')
    writeFileSync(join(dir, 'healthy-after-ms'), `${healthyAfterMs}\n`)
    keygen(join(dir, 'host_key'))
    keygen(join(dir, 'client_key'))
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')))
    const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')
    const hosts = Array.from({ length: count }, (_, i) => `127.${net}.${Math.floor(i / 250)}.${(i % 250) + 1}`)
    writeFileSync(join(dir, 'known_hosts'), hosts.map((h) => `[${h}]:${port} ${hostKey}\n`).join(''))
    const logs = new Map(hosts.map((host) => [host, [] as Stamped[]]))
    for (const host of hosts) children.push(startSshd(dir, host, port, logs.get(host)!))
    await Promise.all(hosts.map((host, i) => listening(host, port, children[i]!, logs.get(host)!)))
    return {
      hosts,
      port,
      dir,
      sshKey: join(dir, 'client_key'),
      knownHosts: join(dir, 'known_hosts'),
      publish: (ref, service) =>
        writeFileSync(join(dir, 'registry'), `${ref} sha256:${digest(ref)} ${service}\n`, { flag: 'a' }),
      connections: () =>
        Object.fromEntries(
          hosts.map((h) => [h, logs.get(h)!.filter((l) => l.text.startsWith('Connection from ')).length]),
        ),
      handshakes: () => hosts.flatMap((host) => handshakes(host, logs.get(host)!)),
      cpuSeconds: () => children.reduce((sum, child) => sum + cpuOf(child.pid), 0),
      refused: () => readFileSync(join(dir, 'unknown.log'), 'utf8').split('\n').filter(Boolean),
      boots: () => boots(readFileSync(join(dir, 'boots.log'), 'utf8')),
      adopt: (child) => void adopted.push(child),
      stop: stopAndRelease,
    }
  } catch (error) {
    stopAndRelease()
    throw error
  }
}

// One sshd in the foreground (-D), logging to its host's dir, with the host's env set for every session.
function startSshd(dir: string, host: string, port: number, log: Stamped[]): ChildProcess {
  const state = join(dir, 'hosts', host)
  for (const sub of ['home', 'c', 'r']) mkdirSync(join(state, sub), { recursive: true })
  writeFileSync(join(state, 'images'), '')
  const config = join(state, 'sshd_config')
  writeFileSync(
    config,
    [
      `ListenAddress ${host}:${port}`,
      `HostKey ${dir}/host_key`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      'PidFile none',
      'StrictModes no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PrintMotd no',
      'LogLevel VERBOSE',
      // SHLVL=1: Debian's bash reads ~/.bashrc for a command run by sshd only at shell level 1; this
      // machine's root .bashrc (pyenv) costs 100 ms of CPU per session, which a lean server does not.
      `SetEnv FAKE_DOCKER_STATE=${state} FAKE_DOCKER_SHARED=${dir} SHLVL=1`,
      // The command as sent, run by sh in the host's own home with the fake docker first on PATH.
      `ForceCommand cd "$FAKE_DOCKER_STATE/home" && HOME="$FAKE_DOCKER_STATE/home" PATH="$FAKE_DOCKER_SHARED/bin:$PATH" exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"`,
      '',
    ].join('\n'),
  )
  // Its log through a pipe, each line stamped as it arrives (sshd -e writes no times).
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
  let rest = ''
  sshd.stderr!.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n')
    rest = lines.pop()!
    const at = Date.now()
    for (const text of lines) log.push({ at, text })
  })
  return sshd
}

/** A line of an sshd's log and when it arrived (ms since the epoch). */
interface Stamped {
  readonly at: number
  readonly text: string
}

// A connection's handshake: its "Connection from <addr> port <p>" to the "Accepted publickey …
// port <p>" of the same client port (open when never accepted).
function handshakes(host: string, log: readonly Stamped[]): { host: string; start: number; end: number | undefined }[] {
  const open = new Map<string, { host: string; start: number; end: number | undefined }>()
  const all: { host: string; start: number; end: number | undefined }[] = []
  for (const { at, text } of log) {
    const from = /^Connection from \S+ port (\d+)/.exec(text)
    if (from) open.set(from[1]!, all[all.push({ host, start: at, end: undefined }) - 1]!)
    const accepted = /^Accepted publickey for \S+ from \S+ port (\d+)/.exec(text)
    const shake = accepted && open.get(accepted[1]!)
    if (shake) shake.end = at
  }
  return all
}

/**
 * Resolves once sshd says it listens (its log, not a probe connection: every connection a host sees
 * is counted); rejects when it exits first.
 */
async function listening(host: string, port: number, sshd: ChildProcess, log: readonly Stamped[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const text = log.map((l) => l.text).join('\n')
    if (text.includes(`Server listening on ${host} port ${port}`)) return
    if (sshd.exitCode !== null) throw new Error(`sshd on ${host}:${port} exited: ${text.trim()}`)
    if (attempt > 400) throw new Error(`sshd on ${host}:${port} did not listen within 20 s: ${text.trim()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function killGroup(pid: number | undefined): void {
  try {
    if (pid !== undefined) process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

// utime + stime + cutime + cstime of a process (fields 14–17 of /proc/PID/stat), in seconds.
// Linux's USER_HZ (`getconf CLK_TCK`), 100 on every architecture Node runs on.
function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return 0
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100
}

function boots(text: string): ReturnType<Fleet['boots']> {
  const open = new Map<string, { host: string; name: string; run: number; ready: number | undefined }>()
  const all: ReturnType<Fleet['boots']> = []
  for (const line of text.split('\n').filter(Boolean)) {
    const [what, ns, host, name] = line.split(' ') as [string, string, string, string]
    const ms = Number(BigInt(ns) / 1_000_000n)
    const key = `${host} ${name}`
    if (what === 'run') open.set(key, all[all.push({ host, name, run: ms, ready: undefined }) - 1]!)
    else if (what === 'ready' && open.get(key)?.ready === undefined) {
      const boot = open.get(key)
      if (boot) boot.ready = ms
    }
  }
  return all
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex')

function keygen(file: string): void {
  const r = spawnSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`)
}

function requireTool(path: string, pkg: string): void {
  if (spawnSync(path, ['-?']).error) throw new Error(`${path} is missing: install the Debian package ${pkg}`)
}
