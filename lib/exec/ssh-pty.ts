import type { Client } from 'ssh2'
import { SshError } from '../errors.ts'
import { quote } from '../shell/command.ts'
import type { TerminalIo } from './executor.ts'

/** One command on a pseudo-terminal of an open connection (`exec -i`). */
export interface PtyRun {
  readonly client: Client
  /** For messages: `root@10.0.0.1:22`. */
  readonly where: string
  /** The script, unredacted: it only ever goes into the channel request. */
  readonly script: string
  /** The redacted rendering, for messages. */
  readonly shown: string
  readonly terminal: TerminalIo
  /** Closes the channel: sshd hangs up the remote session (SIGHUP), as a closed ssh -t would. */
  readonly signal: AbortSignal | undefined
}

// Exit codes as a shell reports a death by signal: 128 + its number.
const SIGNALS: Readonly<Record<string, number>> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, PIPE: 13, TERM: 15 }

/**
 * Runs `script` as `ssh -t` does: a `pty-req` with the terminal's size and `$TERM`, keys passed through
 * as typed, output written as it comes, a `window-change` on every resize. Resolves with the exit code.
 */
export function runPty({ client, where, script, shown, terminal, signal }: PtyRun): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const { rows, cols } = terminal.size()
    const pty = { term: terminal.term, rows, cols, width: 0, height: 0 }
    client.exec(`sh -c ${quote(script)}`, { pty }, (err, channel) => {
      if (err) return reject(new SshError(`cannot run \`${shown}\` on ${where}: ${err.message}`, { cause: err }))
      let code: number | undefined
      const keys = (chunk: Buffer | string): void => void channel.write(chunk)
      const stopResize = terminal.onResize(() => {
        const size = terminal.size()
        channel.setWindow(size.rows, size.cols, 0, 0)
      })
      const hangUp = (): void => void channel.close()
      terminal.input.on('data', keys)
      signal?.addEventListener('abort', hangUp, { once: true })
      // With a pty the remote side merges stderr into the one stream; anything left on stderr still shows.
      channel.on('data', (chunk: Buffer) => terminal.output.write(chunk))
      channel.stderr.on('data', (chunk: Buffer) => terminal.output.write(chunk))
      channel.on('exit', (status: number | null, name?: string) => {
        // ssh2 names the signal with its SIG prefix (SIGINT); the RFC without (INT).
        code = typeof status === 'number' ? status : 128 + (SIGNALS[(name ?? '').replace(/^SIG/, '')] ?? 0)
      })
      channel.on('close', () => {
        terminal.input.off('data', keys)
        stopResize()
        signal?.removeEventListener('abort', hangUp)
        if (code !== undefined) return resolve(code)
        if (signal?.aborted) return resolve(130)
        reject(new SshError(`lost connection to ${where} while running \`${shown}\``))
      })
    })
  })
}
