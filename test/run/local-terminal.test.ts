import { EventEmitter } from 'node:events'
import { describe, expect, test } from 'vitest'
import { withRawTerminal, type LocalStreams } from '../../lib/run/local-terminal.ts'

// The terminal a session borrows is given back as it was, however the session ends. A fake tty
// records the modes it is put in; the real terminal is exercised end to end in test/e2e/exec-follow.test.ts.
function fakeTty() {
  const modes: boolean[] = []
  const written: string[] = []
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    isRaw: false,
    setRawMode(raw: boolean) {
      modes.push(raw)
      stdin.isRaw = raw
      return stdin
    },
    resume: () => stdin,
    pause: () => stdin,
  })
  const stdout = Object.assign(new EventEmitter(), {
    isTTY: true,
    rows: 40,
    columns: 120,
    write: (text: string) => void written.push(text),
  })
  return { streams: { stdin, stdout } as unknown as LocalStreams, modes, written, stdout }
}

describe('withRawTerminal', () => {
  test('raw while the session runs; the size, its changes and $TERM are passed on; restored after', async () => {
    const tty = fakeTty()
    const sizes: string[] = []
    const code = await withRawTerminal(tty.streams, { TERM: 'screen' }, async (terminal) => {
      expect(tty.streams.stdin.isRaw).toBe(true)
      expect(terminal.term).toBe('screen')
      const stop = terminal.onResize(() => sizes.push(`${terminal.size().rows}x${terminal.size().cols}`))
      tty.stdout.rows = 20
      tty.stdout.emit('resize')
      stop()
      tty.stdout.emit('resize')
      return 3
    })
    expect(code).toBe(3)
    expect(sizes).toEqual(['20x120'])
    expect(tty.modes).toEqual([true, false])
    expect(tty.written).toEqual(['\x1b[?25h'])
    expect(tty.stdout.listenerCount('resize')).toBe(0)
  })

  test('restored when the session fails, and the failure goes on', async () => {
    const tty = fakeTty()
    await expect(withRawTerminal(tty.streams, {}, () => Promise.reject(new Error('lost connection')))).rejects.toThrow(
      'lost connection',
    )
    expect(tty.modes).toEqual([true, false])
  })

  test('restored when the process leaves in the middle (a second Ctrl-C from outside quits at once)', async () => {
    const tty = fakeTty()
    let exit: (() => void) | undefined
    const session = withRawTerminal(tty.streams, {}, () => {
      exit = process.listeners('exit').at(-1) as () => void
      exit()
      return Promise.resolve(0)
    })
    await session
    expect(exit).toBeDefined()
    expect(tty.modes).toEqual([true, false])
    expect(process.listeners('exit')).not.toContain(exit)
  })
})
