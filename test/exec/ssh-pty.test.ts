import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, expect, test } from 'vitest'
import type { TerminalIo } from '../../lib/exec/executor.ts'
import { sshPool, type SshPool } from '../../lib/exec/ssh.ts'
import { cmd, script } from '../../lib/shell/command.ts'
import { keyPair, localPoolConfig, startSshd, type Sshd } from './sshd.ts'

// `exec -i` over a real sshd: a pseudo-terminal with the local size, keys in, output out, a
// window-change when the size changes, the exit code back, on the host's one connection.
let dir: string
let sshd: Sshd
let pool: SshPool

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-pty-'))
  const client = await keyPair(dir, 'id_ed25519')
  sshd = await startSshd({ authorizedKey: client.pub })
  pool = sshPool(localPoolConfig(sshd.port, client.file, { knownHostsFile: join(dir, 'known_hosts') }), {
    agent: undefined,
  })
})
afterAll(async () => {
  await pool?.close()
  await sshd?.stop()
  await rm(dir, { recursive: true, force: true })
})

/** A terminal made of streams: what the remote side printed so far, and a size the test changes. */
function fakeTerminal() {
  const input = new PassThrough()
  const output = new PassThrough()
  let screen = ''
  output.on('data', (c: Buffer) => (screen += c.toString()))
  let size = { rows: 24, cols: 80 }
  let resized: (() => void) | undefined
  const terminal: TerminalIo = {
    input,
    output,
    term: 'xterm-256color',
    size: () => size,
    onResize: (listener) => ((resized = listener), () => (resized = undefined)),
  }
  const waitFor = async (text: string): Promise<void> => {
    const deadline = Date.now() + 10_000
    while (!screen.includes(text)) {
      if (Date.now() > deadline)
        throw new Error(`${JSON.stringify(text)} not seen; the screen: ${JSON.stringify(screen)}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  return {
    terminal,
    type: (text: string) => input.write(text),
    resize: (rows: number, cols: number) => ((size = { rows, cols }), resized?.()),
    waitFor,
    screen: () => screen,
  }
}

test('a pty of the terminal size and $TERM; keys in, output out, window changes, the exit code back', async () => {
  const remote = pool.executor('127.0.0.1')
  await remote.run(cmd('true'))
  const t = fakeTerminal()
  const program = script(
    'echo "size $(stty size) term $TERM tty $(tty | cut -c1-8)"; read -r a; echo "got:$a"; read -r b; echo "size $(stty size)"; exit 5',
  )
  const session = remote.attach!(program, t.terminal)
  await t.waitFor('size 24 80 term xterm-256color tty /dev/pts')
  t.type('hello\r')
  await t.waitFor('got:hello')
  t.resize(30, 100)
  t.type('\r')
  await t.waitFor('size 30 100')
  expect(await session).toBe(5)
  // The same connection as the command before it.
  expect(sshd.accepted()).toBe(1)
})

test('Ctrl-C reaches the remote program as a key: it interrupts the foreground command, the shell goes on', async () => {
  const t = fakeTerminal()
  const session = pool.executor('127.0.0.1').attach!(
    script('trap "echo interrupted" INT; echo ready; sleep 30; echo after; exit 7'),
    t.terminal,
  )
  await t.waitFor('ready')
  t.type('\x03')
  const code = await session
  expect(t.screen()).toContain('interrupted')
  expect(code).toBe(7)
  expect(t.screen()).toContain('after')
})
