import type { DeployContext } from '../../lib/context.ts'
import type { Result } from '../../lib/exec/executor.ts'
import { template, type TemplateValue } from '../../lib/shell/template.ts'
import type { Task } from './fan-out.ts'

/** Per-shell options, with zx's names. */
export interface ShellOptions {
  /** Resolve with the output on a non-zero exit instead of throwing. */
  readonly nothrow?: boolean
  /** Written to the command's stdin (never logged), e.g. a password for `--password-stdin`. */
  readonly input?: string
  /** Keep the output out of the task's display (it is still returned). */
  readonly quiet?: boolean
}

/** What a command left behind; `${output}` is its stdout without the final newline. */
export class ShellOutput implements Result {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number | null
  constructor({ stdout, stderr, exitCode }: Result) {
    this.stdout = stdout
    this.stderr = stderr
    this.exitCode = exitCode
  }
  toString(): string {
    return this.stdout.replace(/\n$/, '')
  }
  /** The non-empty lines of stdout. */
  lines(): string[] {
    return this.stdout.split('\n').filter(Boolean)
  }
}

/** zx's `$` for one server: a tagged template that runs on `host`, or, given options, another such shell. */
export interface RemoteShell {
  (text: TemplateStringsArray, ...values: readonly TemplateValue[]): Promise<ShellOutput>
  (options: ShellOptions): RemoteShell
  readonly host: string
}

/**
 * A zx-style shell bound to `host`'s one SSH connection of this run. Values are quoted for POSIX sh
 * (arrays expand to several words); output streams into `task`; secrets are redacted from what is
 * shown; a non-zero exit throws a CommandError naming the host, the command and the exit code; the
 * run's Ctrl-C stops the remote command.
 *
 *   const $ = remoteShell(ctx, host, task)
 *   await $`docker exec ${container} bin/rails db:migrate`
 */
export function remoteShell(ctx: DeployContext, host: string, task?: Task, options: ShellOptions = {}): RemoteShell {
  function shell(text: TemplateStringsArray, ...values: readonly TemplateValue[]): Promise<ShellOutput>
  function shell(more: ShellOptions): RemoteShell
  function shell(
    first: TemplateStringsArray | ShellOptions,
    ...values: readonly TemplateValue[]
  ): Promise<ShellOutput> | RemoteShell {
    if (!isTemplate(first)) return remoteShell(ctx, host, task, { ...options, ...first })
    const command = template(first, ...values)
    const show = task && !options.quiet ? (line: string) => void (task.output = line) : undefined
    return ctx
      .remote(host)
      .run(command, { allowFailure: options.nothrow, stdin: options.input, onOutput: show, signal: ctx.signal })
      .then((result) => new ShellOutput(result))
  }
  return Object.assign(shell, { host })
}

const isTemplate = (value: TemplateStringsArray | ShellOptions): value is TemplateStringsArray =>
  Array.isArray(value) && 'raw' in value
