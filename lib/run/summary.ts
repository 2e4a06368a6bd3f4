import { abbreviatedVersion } from '../commands/naming.ts'
import type { DeployContext } from '../context.ts'

/** How many hosts the end-of-run line names before it only counts them. */
const NAMED_HOSTS = 4

/**
 * The one line a successful run ends with when it moved `latest`: service, version, hosts and
 * duration (`Deployed demo@3f2a1b0 to 3 hosts (a, b, c) in 4.2 s`); undefined for other runs.
 */
export function outcomeLine(ctx: DeployContext, seconds: number): string | undefined {
  const hosts = ctx.selection.hosts.filter((h) => ctx.report.live.has(h))
  if (hosts.length === 0) return undefined
  const verb = ctx.command === 'rollback' ? 'Rolled back to' : 'Deployed'
  const named = hosts.slice(0, NAMED_HOSTS).join(', ') + (hosts.length > NAMED_HOSTS ? ', …' : '')
  const count = `${hosts.length} host${hosts.length === 1 ? '' : 's'}`
  return `${verb} ${ctx.config.service}@${abbreviatedVersion(ctx.version)} on ${count} (${named}) in ${seconds.toFixed(1)} s`
}
