import type { Accessory } from '../../lib/config/types.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { CommandError } from '../../lib/errors.ts'
import * as accessoryCmd from '../../lib/commands/accessory.ts'
import { reportOnHosts, type ReportBlock } from './fan-out.ts'
import { followLogs } from './follow.ts'
import { accessoriesNamed, hostPlan } from './accessory-select.ts'

// Kamal's read-only `accessory details|logs`: `Host: <host> (<accessory>)` blocks in
// ctx.report.lines, printed on stdout after the tree in host order, once every host answered.

/** `docker ps --filter label=service=<service>` of one accessory (or `all`) on each of its hosts. */
export const accessoryDetails = (name: string): DeployTask =>
  reporting(
    `Accessory details ${name}`,
    name,
    async (ctx, host, accessory) =>
      (await ctx.remote(host).run(accessoryCmd.details(ctx.config, accessory), { signal: ctx.signal })).stdout,
  )

/** Options of {@link accessoryLogs} (Kamal's `accessory logs -s -n -g -o`). */
export interface AccessoryLogsOptions {
  readonly since?: string | undefined
  /** Default 100, or all when `since` or `grep` is given (as Kamal). */
  readonly lines?: number | undefined
  readonly grep?: string | undefined
  readonly grepOptions?: string | undefined
}

/** `docker logs --timestamps` of one accessory on each of its hosts; "Nothing found" when grep matches nothing. */
export const accessoryLogs = (
  name: string,
  { since, lines, grep, grepOptions }: AccessoryLogsOptions = {},
): DeployTask =>
  reporting(`Accessory logs ${name}`, name, async (ctx, host, accessory) => {
    const tail = lines ?? (since !== undefined || grep !== undefined ? undefined : 100)
    const command = accessoryCmd.logs(ctx.config, accessory, { since, lines: tail, grep, grepOptions })
    const result = await ctx.remote(host).run(command, { allowFailure: true, signal: ctx.signal })
    if (result.exitCode === 0) return result.stdout
    // grep exits 1 when nothing matched: an answer, not a failure.
    if (result.exitCode === 1 && grep !== undefined) return 'Nothing found'
    // docker's own error (e.g. "No such container") is on stdout: the script merges 2>&1.
    throw new CommandError(
      host,
      `docker logs ${accessory.service}`,
      result.exitCode,
      result.stderr || result.stdout,
      result.stdout,
    )
  })

/** `accessory logs NAME -f`: streamed from each of its hosts until Ctrl-C (the last 10 lines first). */
export const followAccessoryLogs = (
  name: string,
  { since, lines, grep, grepOptions }: AccessoryLogsOptions = {},
): DeployTask =>
  followLogs(`Accessory logs ${name}`, (ctx) =>
    [...hostPlan(ctx, accessoriesNamed(ctx, name))].flatMap(([host, accessories]) =>
      accessories.map((accessory) => ({
        host,
        label: `${host} (${accessory.name})`,
        grep: grep !== undefined,
        command: accessoryCmd.logs(ctx.config, accessory, {
          since,
          lines: lines ?? (since !== undefined || grep !== undefined ? undefined : 10),
          grep,
          grepOptions,
          follow: true,
        }),
      })),
    ),
  )

type Read = (ctx: DeployContext, host: string, accessory: Accessory) => Promise<string>

function reporting(title: string, name: string, read: Read): DeployTask {
  // The plan is pure and cheap: worked out for the host list, and again for each host's accessories.
  const plan = (ctx: DeployContext): Map<string, readonly Accessory[]> => hostPlan(ctx, accessoriesNamed(ctx, name))
  return reportOnHosts(
    title,
    (ctx) => [...plan(ctx).keys()],
    async (ctx, host) => {
      const blocks: ReportBlock[] = []
      for (const accessory of plan(ctx).get(host) ?? [])
        blocks.push({ header: `Host: ${host} (${accessory.name})`, text: await read(ctx, host, accessory) })
      return blocks
    },
  )
}
