import type { Config } from '../config/types.ts'
import { cmd, type Command } from '../shell/command.ts'
import { program } from './program.ts'
import { auditLogPath } from './naming.ts'

// The audit log on each host: one line per mutating action, appended to
// <run_directory>/<service>[-<dest>]-audit.log.

/** Tags in front of each line. `destination` defaults to the config's; unset tags are left out, as Kamal. */
export interface AuditDetails {
  readonly recordedAt: string
  readonly performer: string
  readonly destination?: string | undefined
  readonly role?: string | undefined
}

/** `[<recordedAt>] [<performer>] [<dest>] [<role>] <line>`, as Kamal's Auditor formats it. */
export function auditLine(
  config: Config,
  line: string,
  { recordedAt, performer, destination = config.destination, role }: AuditDetails,
): string {
  const tags = [recordedAt, performer, destination, role].filter((t): t is string => t !== undefined && t !== '')
  return [...tags.map((t) => `[${t}]`), line].join(' ')
}

const RECORD = program<'run' | 'log' | 'line'>('audit-record.sh')

/** Appends the tagged line to <run>/<service>[-<dest>]-audit.log (sh/audit-record.sh). */
export const record = (config: Config, line: string, details: AuditDetails): Command =>
  RECORD({ run: config.runDirectory, log: auditLogPath(config), line: auditLine(config, line, details) })

/** `tail -n 50 <audit log>` */
export const reveal = (config: Config, { lines = 50 }: { lines?: number } = {}): Command =>
  cmd('tail', '-n', String(lines), auditLogPath(config))
