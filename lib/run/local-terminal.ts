import type { TerminalIo } from '../exec/executor.ts'

/** The local terminal's streams (process.stdin and process.stdout unless a caller says otherwise). */
export interface LocalStreams {
  readonly stdin: NodeJS.ReadStream
  readonly stdout: NodeJS.WriteStream
}

/** Whether `stdin` is a terminal that can be lent to a remote program. */
export const isTerminal = ({ stdin }: LocalStreams): boolean => stdin.isTTY === true

// Shown again after a session: a remote program that hid the cursor and died cannot show it itself.
const SHOW_CURSOR = '\x1b[?25h'

/**
 * Puts the terminal in raw mode (keys go through unprocessed: Ctrl-C is a byte for the remote
 * program, not a SIGINT here) for `use`, then restores the mode it had, whether `use` returned,
 * threw, or the process is leaving (a second Ctrl-C from outside quits with process.exit).
 */
export async function withRawTerminal<T>(
  { stdin, stdout }: LocalStreams,
  env: Readonly<Record<string, string | undefined>>,
  use: (terminal: TerminalIo) => Promise<T>,
): Promise<T> {
  const wasRaw = stdin.isRaw
  let restored = false
  const restore = (): void => {
    if (restored) return
    restored = true
    stdin.setRawMode(wasRaw)
    stdin.pause()
    if (stdout.isTTY) stdout.write(SHOW_CURSOR)
  }
  process.once('exit', restore)
  stdin.setRawMode(true)
  stdin.resume()
  try {
    return await use({
      input: stdin,
      output: stdout,
      term: env['TERM'] || 'xterm-256color',
      size: () => ({ rows: stdout.rows || 24, cols: stdout.columns || 80 }),
      onResize: (listener) => {
        stdout.on('resize', listener)
        return () => void stdout.off('resize', listener)
      },
    })
  } finally {
    restore()
    process.off('exit', restore)
  }
}
