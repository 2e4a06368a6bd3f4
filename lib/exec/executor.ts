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

/** Runs commands on one host. ssh2, zx and the test recorder all implement this. */
export interface Executor {
  readonly host: string
  run(command: Command, options?: RunOptions): Promise<Result>
}
