import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { SshConfig } from '../../lib/config/types.ts'
import { CancelledError, CommandError, SshError } from '../../lib/errors.ts'
import { sshPool, type SshPool, type SshPoolConfig, type SshPoolOptions } from '../../lib/exec/ssh.ts'
import { writeFile as upload } from '../../lib/exec/upload.ts'
import { and, cmd, pipe, script, Secret } from '../../lib/shell/command.ts'
import { alive, eventually } from './proc.ts'
import { freePort, keyPair, localPoolConfig, startSshd, type Sshd } from './sshd.ts'

let dir: string
let client: Awaited<ReturnType<typeof keyPair>>
let sshd: Sshd
const pools: SshPool[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-ssh-'))
  client = await keyPair(dir, 'id_ed25519')
  sshd = await startSshd({ authorizedKey: client.pub, listen: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'] })
})
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()))
  await sshd?.stop()
  await rm(dir, { recursive: true, force: true })
})

/** PIDs whose command line contains `text` (sshd runs on this machine, so remote processes are local). */
async function localPgrep(text: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises')
  const pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p) && String(process.pid) !== p)
  const cmdlines = await Promise.all(pids.map((p) => readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')))
  return pids.filter((_, i) => cmdlines[i]!.includes(text))
}

let files = 0
/** A fresh known_hosts path per pool unless one is given, so tests don't see each other's entries. */
function pool(over: Partial<SshPoolConfig> = {}, opts: SshPoolOptions = {}): SshPool {
  const config: SshPoolConfig = localPoolConfig(sshd.port, client.file, {
    knownHostsFile: join(dir, `known_hosts.${++files}`),
    ...over,
  })
  const made = sshPool(config, { agent: undefined, ...opts })
  pools.push(made)
  return made
}

const NASTY = [
  '',
  ' ',
  "it's",
  '$HOME',
  '`id`',
  '$(id)',
  'a\nb',
  '*',
  '~',
  'name=^x$',
  '{a,b}',
  'ünï',
  '\\',
  "'\\''",
  '-n',
  '--',
  '%s',
  '日本語 🚀',
  'x'.repeat(20_000),
]

describe('one connection per host', () => {
  test('is lazy: making executors dials nothing', async () => {
    const before = sshd.accepted()
    const p = pool()
    expect(p.executor('127.0.0.1')).toBe(p.executor('127.0.0.1'))
    expect(p.stats()).toEqual({ connections: 0, commands: {}, peakStarts: 0 })
    expect(sshd.accepted()).toBe(before)
  })

  test('serves 40 parallel commands over one connection, queueing past MaxSessions', async () => {
    const before = sshd.accepted()
    const p = pool()
    const host = p.executor('127.0.0.1')
    const outputs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => host.run(script('sleep 0.05; printf "%s" "$1"', `n${i}`))),
    )
    expect(outputs.map((r) => r.stdout)).toEqual(Array.from({ length: 40 }, (_, i) => `n${i}`))
    expect(p.stats()).toEqual({ connections: 1, commands: { '127.0.0.1': 40 }, peakStarts: 1 })
    expect(sshd.accepted() - before).toBe(1)
  })

  test('a burst of 200 short commands all succeed (channels freed late by sshd are retried)', async () => {
    const p = pool()
    const host = p.executor('127.0.0.1')
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => host.run(cmd('echo', String(i)))))
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 200 }, (_, i) => `${i}\n`))
    expect(p.stats()).toMatchObject({ connections: 1, commands: { '127.0.0.1': 200 } })
  })

  test('host:port overrides ssh.port for that host', async () => {
    const p = pool({ port: 22 })
    const r = await p.executor(`127.0.0.1:${sshd.port}`).run(cmd('echo', 'ok'))
    expect(r.stdout).toBe('ok\n')
  })
})

describe('commands', () => {
  test('quoting survives the remote login shell: nasty values come back byte-for-byte', async () => {
    const host = pool().executor('127.0.0.1')
    for (const value of NASTY) expect((await host.run(cmd('printf', '%s', value))).stdout).toBe(value)
    const all = await host.run(pipe(cmd('printf', '%s\\0', ...NASTY), cmd('cat')))
    expect(all.stdout.split('\0').slice(0, -1)).toEqual(NASTY)
  })

  test('runs under sh -c whatever the login shell: operators and $0', async () => {
    const host = pool().executor('127.0.0.1')
    expect((await host.run(and(script('printf "%s" "$0"'), cmd('printf', '|%s', 'x')))).stdout).toBe('sh|x')
  })

  test('stdin reaches the command (a 1 MiB upload too); no stdin is EOF', async () => {
    const host = pool().executor('127.0.0.1')
    const big = randomBytes(512 * 1024).toString('hex')
    expect((await host.run(cmd('cat'), { stdin: big })).stdout).toBe(big)
    expect((await host.run(cmd('cat'))).stdout).toBe('')
    const file = join(dir, 'up', "it's.env")
    await upload(host, file, 'PASSWORD=hunter2\n', { mode: '600' })
    expect(await readFile(file, 'utf8')).toBe('PASSWORD=hunter2\n')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
  })

  test('a stream on stdin is piped in whole; a command that exits early ends it instead of waiting', async () => {
    const host = pool().executor('127.0.0.1')
    const chunks = Array.from({ length: 64 }, () => randomBytes(16 * 1024))
    const sent = Buffer.concat(chunks)
    const result = await host.run(script('sha256sum | cut -d " " -f 1'), { stdin: Readable.from(chunks) })
    expect(result.stdout.trim()).toBe(createHash('sha256').update(sent).digest('hex'))
    // An endless stream: `head` stops reading after one line and exits; the run must still finish.
    const endless = new Readable({
      read() {
        this.push('y\n'.repeat(1024))
      },
    })
    expect((await host.run(cmd('head', '-n', '1'), { stdin: endless })).stdout).toBe('y\n')
    expect(await eventually(() => endless.destroyed)).toBe(true)
  })

  test('a stream that fails mid-way fails the command with SshError naming host and command', async () => {
    const host = pool().executor('127.0.0.1')
    const broken = new Readable({
      read() {
        this.destroy(new Error('disk on fire'))
      },
    })
    await expect(host.run(cmd('cat'), { stdin: broken })).rejects.toThrow(
      /cannot send stdin of `cat` to root@127\.0\.0\.1:\d+: disk on fire/,
    )
  })

  test('onOutput streams stdout and stderr lines, secrets scrubbed', async () => {
    const host = pool().executor('127.0.0.1')
    const lines: string[] = []
    const secret = new Secret('tok3n')
    await host.run(script('echo "one $1"; echo two >&2; printf three', secret), { onOutput: (l) => lines.push(l) })
    expect(lines.sort()).toEqual(['one [REDACTED]', 'three', 'two'])
  })

  test('non-zero exit: CommandError with host, redacted command, code, scrubbed output; never the secret', async () => {
    const host = pool().executor('127.0.0.1')
    const secret = new Secret('hunter2')
    const error = await host.run(script('echo "out $1"; echo "err $1" >&2; exit 3', secret)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CommandError)
    expect(error).toMatchObject({
      host: '127.0.0.1',
      command: `sh -c 'echo "out $1"; echo "err $1" >&2; exit 3' sh '[REDACTED]'`,
      exitCode: 3,
      stdout: 'out [REDACTED]\n',
      stderr: 'err [REDACTED]\n',
    })
    expect(`${(error as Error).message} ${(error as Error).stack} ${JSON.stringify(error)}`).not.toContain('hunter2')
  })

  test('allowFailure resolves with the raw result', async () => {
    const host = pool().executor('127.0.0.1')
    await expect(host.run(script('echo o; exit 5'), { allowFailure: true })).resolves.toEqual({
      stdout: 'o\n',
      stderr: '',
      exitCode: 5,
    })
  })

  test('abort signals the remote process group, closes the channel, rejects with CancelledError; the connection lives on', async () => {
    const p = pool()
    const host = p.executor('127.0.0.1')
    const pidFile = join(dir, 'remote.pid')
    const ac = new AbortController()
    const running = host.run(script('sleep 30 & echo $! > "$1"; sleep 30', pidFile), { signal: ac.signal })
    expect(await eventually(async () => (await readFile(pidFile, 'utf8').catch(() => '')) !== '')).toBe(true)
    const started = performance.now()
    ac.abort()
    await expect(running).rejects.toThrow(CancelledError)
    expect(performance.now() - started).toBeLessThan(500)
    const pid = Number(await readFile(pidFile, 'utf8'))
    expect(await eventually(async () => !(await alive(pid)))).toBe(true)
    expect((await host.run(cmd('echo', 'still here'))).stdout).toBe('still here\n')
    expect(p.stats().connections).toBe(1)
    await expect(host.run(cmd('true'), { signal: ac.signal })).rejects.toThrow(CancelledError)
  })

  test('close() right after an abort still kills the command (as main() does on Ctrl-C): nothing is orphaned', async () => {
    const p = pool()
    const host = p.executor('127.0.0.1')
    const pidFile = join(dir, 'orphan.pid')
    const ac = new AbortController()
    // `sh` ignores nothing here: TERM on the session's shell alone would leave the sleeps running.
    const running = host.run(script('sleep 31 & echo $! > "$1"; wait', pidFile), { signal: ac.signal })
    expect(await eventually(async () => (await readFile(pidFile, 'utf8').catch(() => '')) !== '', 10_000)).toBe(true)
    ac.abort()
    await expect(running).rejects.toThrow(CancelledError)
    await p.close()
    const pid = Number(await readFile(pidFile, 'utf8'))
    // close() waited for the kill; the signal itself may take a moment on a loaded machine.
    expect(await eventually(async () => !(await alive(pid)), 10_000)).toBe(true)
  })

  test('an abort as the remote shell starts (before its pid is known) still kills it', async () => {
    const host = pool().executor('127.0.0.1')
    await host.run(cmd('true')) // connected, so the abort lands while the channel opens
    const marker = `slipway-${randomBytes(6).toString('hex')}`
    const ac = new AbortController()
    const sessions = sshd.log.filter((l) => l.includes('Starting session')).length
    const running = host.run(script('sleep 30; : "$1"', marker), { signal: ac.signal })
    // sshd logs this as it starts the login shell: usually before the pid line can reach us.
    await sshd.waitFor(/Starting session/, sessions + 1)
    ac.abort()
    await expect(running).rejects.toThrow(CancelledError)
    const leftovers = async () => (await localPgrep(marker)).length === 0
    expect(await eventually(leftovers)).toBe(true)
  })

  test('close() ends the connection (sshd logs the disconnect)', async () => {
    const p = pool()
    await p.executor('127.0.0.1').run(cmd('true'))
    const before = sshd.log.filter((l) => /Disconnected from user root/.test(l)).length
    await p.close()
    await sshd.waitFor(/Disconnected from user root/, before + 1)
  })
})

describe('host keys', () => {
  const name = () => `[127.0.0.1]:${sshd.port}`

  test('accept-new records an unknown host in known_hosts, then trusts it', async () => {
    const knownHostsFile = join(dir, 'kh-accept')
    await writeFile(knownHostsFile, '# comment\nother.example ssh-ed25519 AAAA') // no trailing newline
    await pool({ knownHostsFile }).executor('127.0.0.1').run(cmd('true'))
    const line = `${name()} ssh-ed25519 ${sshd.hostBlob.toString('base64')}`
    expect(await readFile(knownHostsFile, 'utf8')).toBe(`# comment\nother.example ssh-ed25519 AAAA\n${line}\n`)
    await pool({ knownHostsFile, verifyHostKey: 'always' }).executor('127.0.0.1').run(cmd('true'))
    expect(await readFile(knownHostsFile, 'utf8')).toBe(`# comment\nother.example ssh-ed25519 AAAA\n${line}\n`)
  })

  test('a changed key is refused, naming host, port and the known_hosts line', async () => {
    const other = await keyPair(dir, 'other_host')
    const knownHostsFile = join(dir, 'kh-changed')
    await writeFile(knownHostsFile, `# first\n${name()} ssh-ed25519 ${other.blob.toString('base64')}\n`)
    const error = await pool({ knownHostsFile })
      .executor('127.0.0.1')
      .run(cmd('true'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SshError)
    expect((error as Error).message).toMatch(
      new RegExp(
        `^cannot connect to root@127\\.0\\.0\\.1:${sshd.port}: host key changed: the server offers ssh-ed25519 SHA256:\\S+ but ${knownHostsFile}:2 has another ssh-ed25519 key`,
      ),
    )
  })

  test('hashed |1|salt|hash entries match', async () => {
    const salt = randomBytes(20)
    const hash = createHmac('sha1', salt).update(name()).digest('base64')
    const knownHostsFile = join(dir, 'kh-hashed')
    const content = `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${sshd.hostBlob.toString('base64')}\n`
    await writeFile(knownHostsFile, content)
    await pool({ knownHostsFile, verifyHostKey: 'always' }).executor('127.0.0.1').run(cmd('true'))
    expect(await readFile(knownHostsFile, 'utf8')).toBe(content)
  })

  test('always refuses unknown hosts; never skips the check entirely', async () => {
    const knownHostsFile = join(dir, 'kh-always')
    await expect(
      pool({ knownHostsFile, verifyHostKey: 'always' }).executor('127.0.0.1').run(cmd('true')),
    ).rejects.toThrow(
      new RegExp(
        `^cannot connect to root@127\\.0\\.0\\.1:${sshd.port}: host key ssh-ed25519 SHA256:\\S+ is not in ${knownHostsFile} \\(verify_host_key: always\\)$`,
      ),
    )
    const other = await keyPair(dir, 'never_host')
    await writeFile(knownHostsFile, `${name()} ssh-ed25519 ${other.blob.toString('base64')}\n`)
    await pool({ knownHostsFile, verifyHostKey: 'never' }).executor('127.0.0.1').run(cmd('true'))
  })

  test('a restarted server with a new host key on the same port is refused', async () => {
    const knownHostsFile = join(dir, 'kh-restart')
    const first = await startSshd({ authorizedKey: client.pub })
    await pool({ knownHostsFile, port: first.port }).executor('127.0.0.1').run(cmd('true'))
    await first.stop()
    const second = await startSshd({ authorizedKey: client.pub, port: first.port })
    try {
      await expect(pool({ knownHostsFile, port: first.port }).executor('127.0.0.1').run(cmd('true'))).rejects.toThrow(
        `${knownHostsFile}:1 has another ssh-ed25519 key`,
      )
    } finally {
      await second.stop()
    }
  })
})

describe('connecting', () => {
  test('a dropped connection fails its command with SshError; the next command redials', async () => {
    const p = pool()
    const host = p.executor('127.0.0.1')
    // The nearest sshd above the command serves this connection: killing it drops the connection.
    const dropper = script(
      'p=$$; while [ "$(cat /proc/$p/comm)" != sshd ]; do p=$(cut -d " " -f 4 /proc/$p/stat); done; kill -TERM $p',
    )
    await expect(host.run(dropper)).rejects.toThrow(`lost connection to root@127.0.0.1:${sshd.port} while running`)
    expect((await host.run(cmd('echo', 'back'))).stdout).toBe('back\n')
    expect(p.stats().connections).toBe(2)
  })

  test('a server that never answers: the pool signal and the per-command signal both cancel the wait', async () => {
    const silent = createServer((socket) => socket.on('error', () => {}))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const { port } = silent.address() as AddressInfo
    try {
      const ac = new AbortController()
      const p = pool({ port }, { signal: ac.signal })
      const first = p.executor('127.0.0.1').run(cmd('true'))
      const mine = new AbortController()
      const second = p.executor('127.0.0.1').run(cmd('true'), { signal: mine.signal })
      mine.abort()
      await expect(second).rejects.toThrow(new CancelledError(`cancelled \`true\` on root@127.0.0.1:${port}`))
      ac.abort()
      await expect(first).rejects.toThrow(new CancelledError(`cancelled while connecting to root@127.0.0.1:${port}`))
      await expect(pool({ port }, { readyTimeout: 100 }).executor('127.0.0.1').run(cmd('true'))).rejects.toThrow(
        `cannot connect to root@127.0.0.1:${port}: Timed out while waiting for handshake`,
      )
    } finally {
      silent.close()
    }
  })

  test('connection refused is an SshError naming user@host:port', async () => {
    const port = await freePort()
    await expect(pool({ port }).executor('127.0.0.1').run(cmd('true'))).rejects.toThrow(
      new SshError(`cannot connect to root@127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`),
    )
  })

  test('an unauthorised key fails authentication clearly', async () => {
    const stranger = await keyPair(dir, 'stranger')
    await expect(
      pool({ keys: [stranger.file] })
        .executor('127.0.0.1')
        .run(cmd('true')),
    ).rejects.toThrow(`cannot connect to root@127.0.0.1:${sshd.port}: All configured authentication methods failed`)
  })

  test('keys: configured files must exist; default identity files are used when none are configured; key_data works', async () => {
    await expect(
      pool({ keys: [join(dir, 'missing')] })
        .executor('127.0.0.1')
        .run(cmd('true')),
    ).rejects.toThrow(`cannot read ssh key ${join(dir, 'missing')}: ENOENT`)
    await pool({ keys: [], identityFiles: [join(dir, 'absent'), client.file] })
      .executor('127.0.0.1')
      .run(cmd('true'))
    const keyData = [new Secret(await readFile(client.file, 'utf8'))]
    await pool({ keys: [], identityFiles: [], keyData }).executor('127.0.0.1').run(cmd('true'))
  })

  test('max_concurrent_starts bounds connection starts across hosts', async () => {
    const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4']
    const one = pool({ maxConcurrentStarts: 1 })
    await Promise.all(hosts.map((h) => one.executor(h).run(cmd('true'))))
    expect(one.stats()).toMatchObject({ connections: 4, peakStarts: 1 })
    const many = pool({ maxConcurrentStarts: 30 })
    await Promise.all(hosts.map((h) => many.executor(h).run(cmd('true'))))
    expect(many.stats()).toMatchObject({ connections: 4, peakStarts: 4 })
  })

  test('ssh.proxy: targets are reached through one connection to the jump host', async () => {
    const jump = await startSshd({ authorizedKey: client.pub })
    try {
      const [targetBefore, jumpBefore] = [sshd.accepted(), jump.accepted()]
      const p = pool({ proxy: `root@127.0.0.1:${jump.port}` })
      const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3']
      const out = await Promise.all(hosts.map((h) => p.executor(h).run(cmd('echo', h))))
      expect(out.map((r) => r.stdout)).toEqual(hosts.map((h) => `${h}\n`))
      expect(p.stats().connections).toBe(4)
      expect(jump.accepted() - jumpBefore).toBe(1)
      expect(sshd.accepted() - targetBefore).toBe(3)
      await p.close()
      // A jump host that is down means no target is reachable: proof the traffic goes through it.
      const port = await freePort()
      await expect(
        pool({ proxy: `root@127.0.0.1:${port}` })
          .executor('127.0.0.1')
          .run(cmd('true')),
      ).rejects.toThrow(`cannot connect to root@127.0.0.1:${port}: connect ECONNREFUSED`)
    } finally {
      await jump.stop()
    }
  })

  test('ssh.proxy_command: the command stdio carries the connection (%h and %p expanded)', async () => {
    const relay = `require('net').connect(+process.argv[2], process.argv[1]).on('connect', function () { process.stdin.pipe(this).pipe(process.stdout) })`
    const p = pool({ proxyCommand: `exec node -e "${relay}" %h %p` })
    expect((await p.executor('127.0.0.2').run(cmd('echo', 'via proxy command'))).stdout).toBe('via proxy command\n')
  })
})
