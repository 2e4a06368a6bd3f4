import { execFile, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { SshPoolConfig } from '../../lib/exec/ssh.ts'

const run = promisify(execFile)

/** A throwaway ed25519/ecdsa/rsa key pair made with ssh-keygen. */
export async function keyPair(dir: string, name: string, type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519') {
  const file = join(dir, name)
  await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', name, '-f', file])
  const pub = (await readFile(`${file}.pub`, 'utf8')).trim()
  const [keyType, base64] = pub.split(' ') as [string, string]
  return { file, pub, keyType, blob: Buffer.from(base64, 'base64') }
}

/** A free TCP port on loopback (bound and released: sshd takes it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** Options for {@link startSshd}. */
export interface SshdOptions {
  /** Public key line allowed to log in as root. */
  readonly authorizedKey: string
  /** Reuse a host key (to restart "the same server"); a new ed25519 key by default. */
  readonly hostKey?: string
  readonly port?: number
  /** Loopback addresses to listen on; several give several "hosts" served by one sshd. */
  readonly listen?: readonly string[]
}

/** A real OpenSSH server (Debian's /usr/sbin/sshd) in the foreground, logging to us, on loopback only. */
export async function startSshd({ authorizedKey, hostKey, port, listen = ['127.0.0.1'] }: SshdOptions) {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-sshd-'))
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }) // sshd's privilege separation directory
  const host = hostKey ? { file: hostKey } : await keyPair(dir, 'host_ed25519')
  const hostPub = (await readFile(`${host.file}.pub`, 'utf8')).trim()
  const actualPort = port ?? (await freePort())
  await writeFile(join(dir, 'authorized_keys'), `${authorizedKey}\n`)
  const config = [
    `Port ${actualPort}`,
    ...listen.map((a) => `ListenAddress ${a}`),
    `HostKey ${host.file}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PidFile none',
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'MaxSessions 10',
    'AllowTcpForwarding yes',
    'LogLevel VERBOSE',
    // bash sources ~/.bashrc when started by sshd with SHLVL < 1; this machine's root .bashrc runs
    // `pyenv init` (~100 ms per command), which would time the dotfiles instead of the executor.
    'SetEnv SHLVL=1',
  ]
  await writeFile(join(dir, 'sshd_config'), `${config.join('\n')}\n`)
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const log: string[] = []
  let buffered = ''
  const waiters = new Set<() => void>()
  child.stderr.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    log.push(...lines)
    for (const wake of waiters) wake()
  })
  /** Resolves when a log line matches (event-driven, no sleeps); rejects if sshd exits first. */
  const waitFor = (re: RegExp, count = 1): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (log.filter((l) => re.test(l)).length >= count) {
          waiters.delete(check)
          child.off('exit', onExit)
          resolve()
        }
      }
      const onExit = () => reject(new Error(`sshd exited:\n${log.join('\n')}`))
      child.once('exit', onExit)
      waiters.add(check)
      check()
    })
  await waitFor(/Server listening on/, listen.length)
  return {
    /** The listening sshd; each connection runs in processes below it. */
    pid: child.pid!,
    port: actualPort,
    hostKeyFile: host.file,
    hostPub,
    hostBlob: Buffer.from(hostPub.split(' ')[1]!, 'base64'),
    log,
    waitFor,
    /** Connections authenticated so far: one "Accepted publickey" line each. */
    accepted: () => log.filter((l) => l.includes('Accepted publickey')).length,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A started sshd. */
export type Sshd = Awaited<ReturnType<typeof startSshd>>

/** How the exec tests reach a local sshd: as root with one key file, no proxy, quiet; `over` changes any of it. */
export function localPoolConfig(port: number, keyFile: string, over: Partial<SshPoolConfig> = {}): SshPoolConfig {
  return {
    user: 'root',
    port,
    proxy: undefined,
    proxyCommand: undefined,
    keys: [keyFile],
    keyData: [],
    keysOnly: true,
    logLevel: 'fatal',
    verifyHostKey: 'accept-new',
    maxConcurrentStarts: 30,
    poolIdleTimeout: 900,
    ...over,
  }
}
