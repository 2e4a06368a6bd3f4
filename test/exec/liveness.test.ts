import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest'
import { SshError } from '../../lib/errors.ts'
import { sshPool, type SshPool } from '../../lib/exec/ssh.ts'
import type { Liveness } from '../../lib/exec/ssh-liveness.ts'
import { cmd } from '../../lib/shell/command.ts'
import { keyPair, localPoolConfig, startSshd, type Sshd } from './sshd.ts'

// A server that stops answering (a frozen VM, a cut cable) sends no FIN and no RST: only keepalives
// find out. Here the per-connection sshd processes are frozen with SIGSTOP, a real black hole.
const LIVENESS: Liveness = { interval: 300, count: 2 }
const BOUND_MS = LIVENESS.interval * LIVENESS.count

let dir: string
let client: Awaited<ReturnType<typeof keyPair>>
let sshd: Sshd
let other: Sshd
const pools: SshPool[] = []
let frozen: number[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-liveness-'))
  client = await keyPair(dir, 'id_ed25519')
  ;[sshd, other] = await Promise.all([
    startSshd({ authorizedKey: client.pub, listen: ['127.0.0.1'] }),
    startSshd({ authorizedKey: client.pub, listen: ['127.0.0.2'] }),
  ])
})
afterEach(() => {
  for (const pid of frozen) signal(pid, 'SIGCONT')
  frozen = []
})
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()))
  await Promise.all([sshd?.stop(), other?.stop()])
  await rm(dir, { recursive: true, force: true })
})

function pool(signal?: AbortSignal): SshPool {
  const made = sshPool(localPoolConfig(sshd.port, client.file, { verifyHostKey: 'never' }), {
    agent: undefined,
    liveness: LIVENESS,
    signal,
  })
  pools.push(made)
  return made
}

const signal = (pid: number, name: NodeJS.Signals): void => {
  try {
    process.kill(pid, name)
  } catch {
    // gone already
  }
}

/** Freezes the sshd processes serving connections (everything below the listener), not the listener. */
async function freezeSessions(server: Sshd = sshd): Promise<void> {
  const parents = new Map<number, number>()
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    if (ppid) parents.set(Number(entry), ppid)
  }
  const below = (pid: number): boolean => {
    for (let p = parents.get(pid); p; p = parents.get(p)) if (p === server.pid) return true
    return false
  }
  frozen = [...parents.keys()].filter((pid) => below(pid) && pid !== process.pid)
  // sshd's own processes only: the remote command (a sleep) keeps running, as on a frozen VM's peer.
  const comms = await Promise.all(frozen.map((pid) => readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')))
  frozen = frozen.filter((_, i) => comms[i]!.startsWith('sshd'))
  expect(frozen.length).toBeGreaterThan(0)
  for (const pid of frozen) signal(pid, 'SIGSTOP')
}

test('a host that stops answering mid-command is lost within keepalive interval × count; later commands fail at once', async () => {
  const p = pool()
  const host = p.executor('127.0.0.1')
  await host.run(cmd('true'))
  const running = host.run(cmd('sleep', '30'))
  await new Promise((r) => setTimeout(r, 50))
  await freezeSessions()
  const started = Date.now()
  const error = await running.catch((e: unknown) => e)
  const took = Date.now() - started
  expect(error).toBeInstanceOf(SshError)
  expect((error as Error).message).toMatch(
    /^lost connection to root@127\.0\.0\.1:\d+ \(no answer to 2 keepalives in 0\.6 s\) while running `sleep 30`$/,
  )
  // ssh2 checks on a timer of `interval`: the loss is seen between count and count + 1 intervals.
  expect(took).toBeLessThan(BOUND_MS + LIVENESS.interval + 1500)
  const accepted = sshd.accepted()
  const again = Date.now()
  await expect(host.run(cmd('true'))).rejects.toThrow(
    /^lost connection to root@127\.0\.0\.1:\d+ \(no answer to 2 keepalives in [0-9.]+ s\) earlier in this run$/,
  )
  expect(Date.now() - again).toBeLessThan(100)
  expect(sshd.accepted()).toBe(accepted) // no redial of a lost host within the run
})

test('on a cancel, a silent host is given one keepalive interval, then its cleanup fails at once; close() does not wait for it', async () => {
  const controller = new AbortController()
  const p = pool(controller.signal)
  const silent = p.executor('127.0.0.1')
  const fine = p.executor(`127.0.0.2:${other.port}`)
  await Promise.all([silent.run(cmd('true')), fine.run(cmd('true'))])
  await freezeSessions(sshd)
  controller.abort()
  const cleanupFine = fine.run(cmd('echo', 'cleaned'))
  const started = Date.now()
  const cleanup = await silent.run(cmd('true')).catch((e: unknown) => e)
  expect(cleanup).toBeInstanceOf(SshError)
  expect((cleanup as Error).message).toMatch(
    /^lost connection to root@127\.0\.0\.1:\d+ \(no answer within 0\.3 s after the cancel\) before running `true`$/,
  )
  expect(Date.now() - started).toBeLessThan(LIVENESS.interval + 1500)
  expect((await cleanupFine).stdout).toBe('cleaned\n')
  const closing = Date.now()
  await p.close()
  expect(Date.now() - closing).toBeLessThan(3_000)
})
