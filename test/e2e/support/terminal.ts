import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { quote } from '../../../lib/shell/command.ts'

/** A command running on a real terminal (a tmux pane of its own), read as a person sees it. */
export interface Terminal {
  /** The screen as it is now, scrollback included, one string per line, trailing blanks trimmed. */
  screen(): string
  /** Waits until the screen matches `pattern`; throws with the screen after `timeoutMs`. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>
  /** Keys as tmux names them: `C-c`, `Enter`, or text. */
  press(...keys: string[]): void
  /** Waits for the command to end; its exit status, and the last screen. */
  exited(timeoutMs?: number): Promise<{ code: number; screen: string }>
  /** Resizes the terminal (the program gets SIGWINCH). */
  resize(cols: number, rows: number): void
  /** Whether the terminal shows its cursor (a program that hid it must show it again). */
  cursorVisible(): boolean
  /** Ends the tmux server. */
  close(): void
}

/**
 * Starts `argv` in `cwd` on a tmux terminal of `cols`×`rows`, with `env` added to the environment.
 * Each terminal has its own tmux server (socket), so tests never touch a user's tmux.
 */
export function terminal(
  argv: readonly string[],
  { cwd, env = {}, cols = 110, rows = 50 }: { cwd: string; env?: Record<string, string>; cols?: number; rows?: number },
): Terminal {
  const socket = `slipway-test-${randomBytes(4).toString('hex')}`
  const tmux = (...args: string[]): string => {
    const result = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env: { ...process.env, ...env } })
    if (result.error)
      throw new Error(`tmux is needed for the terminal tests (apt-get install tmux): ${result.error.message}`)
    if (result.status !== 0) throw new Error(`tmux ${args[0]}: ${result.stderr.trim()}`)
    return result.stdout
  }
  const command = argv.map(quote).join(' ')
  tmux('-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(cols), '-y', String(rows), '-c', cwd, 'sh')
  tmux('set-option', '-t', 'main', 'history-limit', '5000')
  // The terminal outlives the command (its cursor state is only kept while something runs in it);
  // the exit status is printed after the command's own output.
  tmux(
    'respawn-pane',
    '-k',
    '-t',
    'main',
    '-c',
    cwd,
    `TERM=xterm-256color ${command}; echo "[exit $?]"; exec sleep 86400`,
  )
  // -J: a line the terminal wrapped reads as one, as a person reads it.
  const capture = (): string =>
    tmux('capture-pane', '-p', '-J', '-t', 'main', '-S', '-', '-E', '-')
      .split('\n')
      .map((l) => l.trimEnd())
      .join('\n')
      .trim()
  const EXIT = /\n?\[exit (\d+)\]$/
  const screen = (): string => capture().replace(EXIT, '')
  const format = (f: string): string => tmux('display-message', '-p', '-t', 'main', f).trim()
  const waitUntil = async (done: () => boolean, timeoutMs: number, what: string): Promise<void> => {
    const deadline = Date.now() + timeoutMs
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms; the screen:\n${screen()}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    screen,
    async waitFor(pattern, timeoutMs = 60_000) {
      const test = (s: string): boolean => (typeof pattern === 'string' ? s.includes(pattern) : pattern.test(s))
      await waitUntil(() => test(screen()), timeoutMs, String(pattern))
      return screen()
    },
    press: (...keys) => void tmux('send-keys', '-t', 'main', ...keys),
    async exited(timeoutMs = 120_000) {
      await waitUntil(() => EXIT.test(capture()), timeoutMs, 'the end of the command')
      return { code: Number(capture().match(EXIT)![1]), screen: screen() }
    },
    resize: (cols, rows) => void tmux('resize-window', '-t', 'main', '-x', String(cols), '-y', String(rows)),
    cursorVisible: () => format('#{cursor_flag}') === '1',
    close: () => void spawnSync('tmux', ['-L', socket, 'kill-server']),
  }
}
