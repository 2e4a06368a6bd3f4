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

/**
 * A host stopped answering mid-run (keepalives unanswered, the connection dropped): it is not
 * redialled in this run. `doing` says what was going on (`while running \`…\``, `while waiting for
 * app-web-v2 to be healthy`); a step that knows better makes a new one with {@link HostLostError.during}.
 */
export class HostLostError extends SshError {
  override name = 'HostLostError'
  readonly where: string
  readonly why: string | undefined
  constructor(where: string, why: string | undefined, doing: string, host?: string) {
    super(`${host ? `${host}: ` : ''}lost connection to ${where}${why ? ` (${why})` : ''} ${doing}`)
    this.where = where
    this.why = why
  }

  /** The same loss, told as `<host>: lost connection to … while <step>`. */
  during(host: string, step: string): HostLostError {
    return new HostLostError(this.where, this.why, `while ${step}`, host)
  }
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

/**
 * Several hosts failed: every host task ran to completion first, then all failures are reported.
 * A failure that reads the same on several hosts but for the host's name (a wrong key, a wrong
 * registry password) is reported once, with the list of hosts.
 */
export class HostsError extends DeployError {
  override name = 'HostsError'
  readonly errors: readonly Error[]
  /**
   * `where` names what failed, for the summary line: `failures on 3 hosts`, `failures in 2 branches`;
   * `hosts[i]` is the host of `errors[i]`, where there is one.
   */
  constructor(
    errors: readonly Error[],
    where: string = `on ${errors.length} hosts`,
    hosts: readonly (string | undefined)[] = [],
  ) {
    const groups = sameFailures(errors, hosts)
    const indent = (text: string): string => text.replaceAll('\n', '\n  ')
    super(
      errors.length === 1
        ? errors[0]!.message
        : groups.length === 1 && groups[0]!.hosts.length === errors.length
          ? `the same failure ${where} (${listed(groups[0]!.hosts)}):\n${groups[0]!.text}`
          : `failures ${where}:\n${groups
              .map((g) => `- ${g.hosts.length > 1 ? `${listed(g.hosts)}: ` : ''}${indent(g.text)}`)
              .join('\n')}`,
      { cause: errors[0] },
    )
    this.errors = errors
  }
}

/** How many hosts a grouped failure names before it only counts the rest (a fleet stays one line). */
const LISTED_HOSTS = 10

const listed = (hosts: readonly string[]): string =>
  hosts.length <= LISTED_HOSTS
    ? hosts.join(', ')
    : `${hosts.slice(0, LISTED_HOSTS).join(', ')} and ${hosts.length - LISTED_HOSTS} more`

/** Failures grouped by their text with the host's name taken out; a group of one keeps its own text. */
function sameFailures(errors: readonly Error[], hosts: readonly (string | undefined)[]) {
  const groups = new Map<string, { hosts: string[]; text: string; first: string }>()
  errors.forEach((error, i) => {
    const host = hosts[i]
    const general = host
      ? error.message.replace(new RegExp(`^${escapeRegExp(host)}: `), '').replaceAll(host, '<host>')
      : error.message
    const key = host ? general : `${i}:${general}`
    const group = groups.get(key)
    if (group && host) group.hosts.push(host)
    else groups.set(key, { hosts: host ? [host] : [], text: general, first: error.message })
  })
  return [...groups.values()].map((g) => ({ hosts: g.hosts, text: g.hosts.length > 1 ? g.text : g.first }))
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
