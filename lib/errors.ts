/** Expected failures: printed as a message, without a stack trace. Anything else is a bug. */
export class DeployError extends Error {
  override name = 'DeployError'
}

/** A key path as users write it: `servers.web.hosts[1]`. */
export type KeyPath = readonly (string | number)[]

/** One problem in a config file, before it is placed at a line and column. */
export interface ConfigIssue {
  readonly path: KeyPath
  readonly message: string
}

/** A config problem placed in its file. */
export interface LocatedIssue extends ConfigIssue {
  readonly file?: string | undefined
  readonly line?: number | undefined
  readonly col?: number | undefined
}

/** `['servers', 'web', 'hosts', 1]` → `servers.web.hosts[1]` */
export function formatPath(path: KeyPath): string {
  return (
    path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${key}` : key), '') ||
    '(root)'
  )
}

/** Bad config: one `file:line:col key.path: message` line per issue. */
export class ConfigError extends DeployError {
  override name = 'ConfigError'
  readonly file: string
  readonly issues: readonly LocatedIssue[]
  constructor(file: string, issues: readonly LocatedIssue[]) {
    super(
      issues
        .map((i) => `${i.file ?? file}:${i.line ?? '?'}:${i.col ?? '?'} ${formatPath(i.path)}: ${i.message}`)
        .join('\n'),
    )
    this.file = file
    this.issues = issues
  }
}

/** A command that exited non-zero. The command text is always the redacted rendering. */
export class CommandError extends DeployError {
  override name = 'CommandError'
  readonly host: string
  readonly command: string
  readonly exitCode: number | null
  readonly stdout: string
  readonly stderr: string
  constructor(host: string, command: string, exitCode: number | null, stderr: string, stdout = '') {
    const detail = (stderr.trim() || stdout.trim()).split('\n').slice(-20).join('\n')
    super(`${host}: \`${command}\` exited with ${exitCode ?? 'a signal'}${detail ? `:\n${detail}` : ''}`)
    this.host = host
    this.command = command
    this.exitCode = exitCode
    this.stdout = stdout
    this.stderr = stderr
  }
}

/** Cannot connect or authenticate, or the host key does not match. */
export class SshError extends DeployError {
  override name = 'SshError'
}

/** The deploy lock is held by someone else. */
export class LockError extends DeployError {
  override name = 'LockError'
}

/** A hook exited non-zero. */
export class HookError extends DeployError {
  override name = 'HookError'
}

/** A new container never became healthy (or exited). */
export class HealthcheckError extends DeployError {
  override name = 'HealthcheckError'
}

/** A build, clone or push problem the user can fix. */
export class BuildError extends DeployError {
  override name = 'BuildError'
}

/** The run was cancelled (Ctrl-C, SIGTERM). */
export class CancelledError extends DeployError {
  override name = 'CancelledError'
}

/** Several hosts failed: every host task ran to completion first, then all failures are reported. */
export class HostsError extends DeployError {
  override name = 'HostsError'
  readonly errors: readonly Error[]
  /** `where` names what failed, for the summary line: `failures on 3 hosts`, `failures in 2 branches`. */
  constructor(errors: readonly Error[], where: string = `on ${errors.length} hosts`) {
    super(
      errors.length === 1
        ? errors[0]!.message
        : `failures ${where}:\n${errors.map((e) => `- ${e.message.replaceAll('\n', '\n  ')}`).join('\n')}`,
      {
        cause: errors[0],
      },
    )
    this.errors = errors
  }
}
