import type { Readable } from 'node:stream'
import type { Client } from 'ssh2'
import { CancelledError, HostLostError, SshError } from '../errors.ts'
import { quote, script as shScript, type Command } from '../shell/command.ts'
import type { Result } from './executor.ts'
import { lineSplitter } from './output.ts'

/** sshd refused to open a channel: usually MaxSessions, counting sessions it has not yet freed. */
export class ChannelRefused extends SshError {
  override name = 'SshError'
}

/** One command on an open connection. */
export interface ChannelRun {
  readonly client: Client
  /** For messages: `root@10.0.0.1:22`. */
  readonly where: string
  /** The script, unredacted: it only ever goes into the channel request. */
  readonly script: string
  /** The redacted rendering, for messages. */
  readonly shown: string
  readonly stdin: string | Readable | undefined
  readonly onOutput: ((line: string) => void) | undefined
  readonly signal: AbortSignal | undefined
  /** Called on abort with the remote pid, to kill its process group over another channel. */
  readonly kill: (pid: number) => void
  /** Why the connection was lost, when it was (no answer to keepalives…). */
  readonly lost?: (() => string | undefined) | undefined
}

// The script announces its process group on stderr before anything else, so a cancelled command can
// be killed: sshd refuses `signal` requests in root sessions (no privilege separation there) and
// never signals non-pty commands when their channel closes. The group, not the shell's pid: the
// group outlives shells that die first, and a command they leave behind (a `docker build`) is
// still in it. Where /proc is missing it falls back to the pid. The line is taken out of stderr below.
const MARK = '__slipway_pid='
const ANNOUNCE = `{ read -r _ _ _ _ __slipway_pg _ < /proc/$$/stat; } 2>/dev/null; echo ${MARK}\${__slipway_pg:-$$} >&2`
const MARK_RE = new RegExp(`(?:^|\\n)${MARK}(\\d+)\\n`)

/** Kills the process group of a cancelled command (its sh, as session leader under sshd, leads the group). */
export const killRemote = (pid: number): Command =>
  shScript(
    'pg=$(cut -d " " -f 5 "/proc/$1/stat" 2>/dev/null); kill -TERM "-${pg:-$1}" 2>/dev/null || kill -TERM "$1"',
    String(pid),
  )

/** Runs one command as a `session` channel and resolves with its output and exit code, whatever the code. */
export function runChannel({
  client,
  where,
  script,
  shown,
  stdin,
  onOutput,
  signal,
  kill,
  lost,
}: ChannelRun): Promise<Result> {
  return new Promise<Result>((resolve, reject) => {
    const cancelled = () => new CancelledError(`cancelled \`${shown}\` on ${where}`)
    if (signal?.aborted) return reject(cancelled())
    // sshd hands the string to the user's login shell; `sh -c` pins the grammar to POSIX sh.
    client.exec(`sh -c ${quote(`${ANNOUNCE}\n${script}`)}`, (err, channel) => {
      if (err) {
        const why = lost?.()
        if (why) return reject(new HostLostError(where, why, `before running \`${shown}\``))
        const Err = (err as { reason?: unknown }).reason === undefined ? SshError : ChannelRefused
        return reject(new Err(`cannot run \`${shown}\` on ${where}: ${err.message}`, { cause: err }))
      }
      const out: Buffer[] = []
      const errs: Buffer[] = []
      const outLines = onOutput && lineSplitter(onOutput)
      const errLines = onOutput && lineSplitter(onOutput)
      let head: Buffer | undefined = Buffer.alloc(0) // stderr held back until the pid line is found
      let pid: number | undefined
      let exitCode: number | null = null
      let exited = false
      let aborted = false

      const stderr = (chunk: Buffer) => {
        errs.push(chunk)
        errLines?.push(chunk)
      }
      const onAbort = () => {
        aborted = true
        reject(cancelled())
        // Before the shell announced itself nothing of the command runs yet: a `signal` request (honoured
        // in non-root sessions) stops it there, and the stderr handler kills the group once it is known.
        // Not after: it would kill only the session's shell and orphan the command.
        if (pid === undefined) return signalTerm(channel)
        kill(pid)
        channel.close()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      if (signal?.aborted) onAbort() // aborted while the channel was opening
      channel.on('data', (chunk: Buffer) => {
        out.push(chunk)
        outLines?.push(chunk)
      })
      channel.stderr.on('data', (chunk: Buffer) => {
        if (!head) return stderr(chunk)
        head = Buffer.concat([head, chunk])
        const text = head.toString('latin1')
        const m = MARK_RE.exec(text)
        if (!m) return
        pid = Number(m[1])
        const at = m.index + (m[0].startsWith('\n') ? 1 : 0)
        const rest = Buffer.concat([head.subarray(0, at), head.subarray(m.index + m[0].length)])
        head = undefined
        if (rest.length) stderr(rest)
        if (aborted) {
          kill(pid)
          channel.close()
        }
      })
      channel.on('exit', (code: number | null) => {
        exited = true
        exitCode = typeof code === 'number' ? code : null
      })
      channel.on('close', () => {
        signal?.removeEventListener('abort', onAbort)
        if (aborted) return
        if (head?.length) stderr(head)
        outLines?.flush()
        errLines?.flush()
        // sshd always sends exit-status or exit-signal for exec; neither means the connection dropped.
        if (!exited) {
          const why = lost?.()
          return reject(new HostLostError(where, why, `while running \`${shown}\``))
        }
        resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(errs).toString(), exitCode })
      })
      if (typeof stdin === 'string' || stdin === undefined) return void channel.end(stdin)
      // A stream: the command may exit before reading it all (a failed build), which must not wait for it.
      channel.once('close', () => (stdin.unpipe(channel), stdin.destroy()))
      stdin.once('error', (error: Error) => {
        reject(new SshError(`cannot send stdin of \`${shown}\` to ${where}: ${error.message}`, { cause: error }))
        channel.close()
      })
      stdin.pipe(channel)
    })
  })
}

interface ChannelInternals {
  readonly outgoing?: { readonly id: number; readonly state: string }
  readonly _client?: { readonly _protocol?: { signal(id: number, name: string): void } }
}

/**
 * Sends a `signal` request (RFC 4254 §6.9). ssh2's `channel.signal()` does nothing once our side has sent
 * EOF, which we always do right after stdin, so this goes one level down to the same protocol call.
 */
function signalTerm(channel: object): void {
  const { outgoing, _client } = channel as ChannelInternals
  try {
    if (outgoing?.state === 'open' || outgoing?.state === 'eof') _client?._protocol?.signal(outgoing.id, 'TERM')
  } catch {
    // the connection may already be gone; closing the channel is all that is left
  }
}
