import type { Client } from 'ssh2'
import { CancelledError, SshError } from '../errors.ts'
import { quote } from '../shell/command.ts'
import type { Result } from './executor.ts'
import { lineSplitter } from './output.ts'

/** One command on an open connection: a `session` channel running `sh -c <script>`. */
export interface ChannelRun {
  readonly client: Client
  /** For messages: `root@10.0.0.1:22`. */
  readonly where: string
  /** The script, unredacted: it only ever goes into the channel request. */
  readonly script: string
  /** The redacted rendering, for messages. */
  readonly shown: string
  readonly stdin: string | undefined
  readonly onOutput: ((line: string) => void) | undefined
  readonly signal: AbortSignal | undefined
}

/** Runs one command as a channel and resolves with its output and exit code, whatever the code. */
export function runChannel({ client, where, script, shown, stdin, onOutput, signal }: ChannelRun): Promise<Result> {
  return new Promise<Result>((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError(`cancelled \`${shown}\` on ${where}`))
    // sshd hands the string to the user's login shell; `sh -c` pins the grammar to POSIX sh.
    client.exec(`sh -c ${quote(script)}`, (err, channel) => {
      if (err) return reject(new SshError(`cannot run \`${shown}\` on ${where}: ${err.message}`, { cause: err }))
      const out: Buffer[] = []
      const errs: Buffer[] = []
      const outLines = onOutput && lineSplitter(onOutput)
      const errLines = onOutput && lineSplitter(onOutput)
      let exitCode: number | null = null
      let exited = false
      let settled = false
      const onAbort = () => {
        if (settled) return
        settled = true
        // OpenSSH ≥ 7.9 delivers the signal to the remote process group; closing alone would leave it running.
        try {
          channel.signal('TERM')
        } catch {
          // the connection may already be gone
        }
        channel.close()
        reject(new CancelledError(`cancelled \`${shown}\` on ${where}`))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      channel.on('data', (chunk: Buffer) => {
        out.push(chunk)
        outLines?.push(chunk)
      })
      channel.stderr.on('data', (chunk: Buffer) => {
        errs.push(chunk)
        errLines?.push(chunk)
      })
      channel.on('exit', (code: number | null) => {
        exited = true
        exitCode = typeof code === 'number' ? code : null
      })
      channel.on('close', () => {
        signal?.removeEventListener('abort', onAbort)
        if (settled) return
        settled = true
        outLines?.flush()
        errLines?.flush()
        // sshd always sends exit-status or exit-signal for exec; neither means the connection dropped.
        if (!exited) return reject(new SshError(`lost connection to ${where} while running \`${shown}\``))
        resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(errs).toString(), exitCode })
      })
      channel.end(stdin)
    })
  })
}
