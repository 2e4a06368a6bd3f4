import type { Readable } from 'node:stream'
import type { Command } from '../shell/command.ts'

/** What a finished command left behind. */
export interface Result {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number | null
}

/** Per-call options; every executor honours all of them. */
export interface RunOptions {
  /** Resolve with the result instead of throwing CommandError on a non-zero exit. */
  readonly allowFailure?: boolean
  /**
   * Written to the command's stdin, e.g. for `docker login --password-stdin`. Never logged. A stream
   * is piped in whole (a build context for `docker build -`); the executor destroys it if the command
   * ends first.
   */
  readonly stdin?: string | Readable
  /** Streams output lines as they arrive (long builds, pulls, hooks). */
  readonly onOutput?: (line: string) => void
  /** Cancels the command (kills the local process or closes the remote channel). */
  readonly signal?: AbortSignal
  /** Local executors only: extra environment for the child process. */
  readonly env?: Readonly<Record<string, string>>
  /** Local executors only: working directory of the child process. */
  readonly cwd?: string
}

/** A local terminal lent to a remote program (`exec -i`): its streams, its size and its size changes. */
export interface TerminalIo {
  /** Keys as typed, in raw mode: Ctrl-C and Ctrl-D arrive as bytes for the remote program. */
  readonly input: NodeJS.ReadableStream
  readonly output: NodeJS.WritableStream
  /** `$TERM` for the remote pseudo-terminal. */
  readonly term: string
  size(): { readonly rows: number; readonly cols: number }
  /** Calls `listener` on every window-size change (SIGWINCH); returns how to stop. */
  onResize(listener: () => void): () => void
}

/** Runs commands on one host. ssh2, zx and the test recorder all implement this. */
export interface Executor {
  readonly host: string
  run(command: Command, options?: RunOptions): Promise<Result>
  /**
   * Runs `command` on a pseudo-terminal of the host wired to `terminal`, over the host's one
   * connection; resolves with its exit code. Only executors that reach a server have it (ssh).
   */
  attach?(command: Command, terminal: TerminalIo, options?: { readonly signal?: AbortSignal }): Promise<number>
}
