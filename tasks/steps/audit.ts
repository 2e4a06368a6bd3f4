import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { CommandError } from '../../lib/errors.ts'
import * as audit from '../../lib/commands/audit.ts'
import { andAll } from '../../lib/commands/args.ts'
import type { Command } from '../../lib/shell/command.ts'
import { reportOnHosts } from './fan-out.ts'

// The audit log on each host (docs/operations.md): a line per change, written in the same round trip
// as the change it records (first, so a failed write stops the change, as Kamal's separate write did).

/** Kamal's recorded_at: UTC ISO 8601 to the second, `2024-06-01T12:00:00Z`. */
export const recordedAt = (now = new Date()): string => now.toISOString().replace(/\.\d{3}Z$/, 'Z')

/** The command that appends `line` (tagged with time, performer, destination and role) to the host's audit log. */
export const auditRecord = (ctx: DeployContext, line: string, { role }: { role?: string } = {}): Command =>
  audit.record(ctx.config, line, { recordedAt: recordedAt(ctx.clock()), performer: ctx.auditPerformer, role })

/** `command` preceded by its audit line, in one round trip. */
export const audited = (ctx: DeployContext, line: string, command: Command, details?: { role?: string }): Command =>
  andAll(auditRecord(ctx, line, details), command)

/** `slipway audit`: the last `lines` lines of the audit log on every selected host. */
export const showAudit = ({ lines = 50 }: { lines?: number } = {}): DeployTask =>
  reportOnHosts(
    'Audit log',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => {
      const result = await ctx
        .remote(host)
        .run(audit.reveal(ctx.config, { lines }), { allowFailure: true, signal: ctx.signal })
      if (result.exitCode !== 0 && !/No such file/.test(result.stderr))
        throw new CommandError(host, 'tail audit log', result.exitCode, result.stderr, result.stdout)
      return [{ header: `Host: ${host}`, text: result.exitCode === 0 ? result.stdout : '(no audit log yet)' }]
    },
  )
