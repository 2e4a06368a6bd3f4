import { CancelledError, CommandError } from '../errors.ts'
import { render, secretsOf, type Command } from '../shell/command.ts'
import type { Executor, Result, RunOptions } from './executor.ts'
import { lineSplitter, scrub } from './output.ts'

/** A canned answer to one recorded line (`"<host>: <redacted shell text>"`); may be async to model slow hosts. */
export type Reply = (line: string) => Partial<Result> | undefined | void | Promise<Partial<Result> | undefined | void>

/** Options of {@link recorder}. */
export interface RecorderOptions {
  /** Answers commands; unanswered ones succeed with empty output. */
  readonly reply?: Reply | undefined
  /** An array to append to (shared between recorders); a new one by default. */
  readonly log?: string[] | undefined
  /** Called with each line as it is recorded, e.g. to print a `--dry-run`. */
  readonly onRecord?: ((line: string) => void) | undefined
}

/** The recording executor for tests and `--dry-run`: logs redacted shell text and honours the real failure contract. */
export function recorder({ reply, log = [], onRecord }: RecorderOptions = {}): {
  executor: (host: string) => Executor
  log: string[]
} {
  const executor = (host: string): Executor => ({
    host,
    async run(command: Command, { allowFailure = false, stdin, onOutput, signal }: RunOptions = {}): Promise<Result> {
      const shown = render(command, { redact: true })
      if (signal?.aborted) throw new CancelledError(`cancelled \`${shown}\` on ${host}`)
      // Stdin is never logged (it carries passwords and env files); the marker shows that some was sent.
      const line = `${host}: ${shown}${stdin === undefined ? '' : ' (stdin)'}`
      // A stream (a build context) is never read: a dry run sends nothing anywhere.
      if (typeof stdin === 'object') stdin.destroy()
      log.push(line)
      onRecord?.(line)
      const result: Result = { stdout: '', stderr: '', exitCode: 0, ...((await reply?.(line)) ?? {}) }
      // What the command printed streams before a cancel is seen, as over ssh, where a caller may
      // hold back its cancel until a line it needs has arrived.
      if (onOutput) {
        for (const text of [result.stdout, result.stderr]) {
          const lines = lineSplitter(onOutput)
          lines.push(text)
          lines.flush()
        }
      }
      if (signal?.aborted) throw new CancelledError(`cancelled \`${shown}\` on ${host}`)
      // Same contract as the real executors, or tests pass that production would fail.
      if (result.exitCode !== 0 && !allowFailure) {
        const secrets = secretsOf(command)
        throw new CommandError(
          host,
          shown,
          result.exitCode,
          scrub(result.stderr, secrets),
          scrub(result.stdout, secrets),
        )
      }
      return result
    },
  })
  return { executor, log }
}
