import type { Env } from '../../lib/config/types.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { envFor } from '../../lib/config/env.ts'
import { envFileContent, removeEnvFile, writeEnvFile } from '../../lib/commands/env-file.ts'
import { accessoryEnvFilePath, envFilePath } from '../../lib/commands/naming.ts'
import { andAll } from '../../lib/commands/args.ts'
import { proxyDriver } from '../../lib/proxy/index.ts'
import { hostPlan } from './accessory-select.ts'
import { auditRecord, audited } from './audit.ts'
import { onHosts } from './fan-out.ts'
import { proxyHosts } from './proxy.ts'

// Kamal's `env push|delete`: the secret env files of the roles, the proxy and the accessories on
// each host, written from stdin with mode 600 (the secrets never reach argv or a log line).

interface EnvFile {
  readonly path: string
  readonly env: Env
}

/** Every env file that belongs on `host`: its roles', the proxy's where it runs one, its accessories'. */
function envFilesOn(ctx: DeployContext, host: string): EnvFile[] {
  const { config } = ctx
  const roles = ctx.selection.hosts.includes(host) ? ctx.selection.rolesOn(host) : []
  const files: EnvFile[] = roles.map((role) => ({ path: envFilePath(config, role), env: envFor(config, role, host) }))
  const proxy = proxyDriver(config).envFile(config)
  if (proxy && proxyHosts(ctx).includes(host)) files.push(proxy)
  for (const accessory of hostPlan(ctx, config.accessories).get(host) ?? [])
    files.push({ path: accessoryEnvFilePath(config, accessory), env: accessory.env })
  return files
}

/** The selected role hosts, then accessory hosts not among them. */
const envHosts = (ctx: DeployContext): string[] => [
  ...new Set([...ctx.selection.hosts, ...hostPlan(ctx, ctx.config.accessories).keys()]),
]

/** Writes every env file of each host (mode 600, from stdin); the audit line rides with the first. */
export const pushEnv = (): DeployTask =>
  onHosts('Push env files', envHosts, async (ctx, host, task) => {
    const remote = ctx.remote(host)
    const files = envFilesOn(ctx, host)
    for (const [index, file] of files.entries()) {
      task.output = file.path
      const write = writeEnvFile(file.path)
      await remote.run(index === 0 ? audited(ctx, 'Pushed env files', write) : write, {
        stdin: envFileContent(file.env),
        signal: ctx.signal,
      })
    }
  })

/** Removes every env file of each host, with its audit line, in one round trip. */
export const deleteEnv = (): DeployTask =>
  onHosts('Delete env files', envHosts, async (ctx, host) => {
    const removals = envFilesOn(ctx, host).map((file) => removeEnvFile(file.path))
    await ctx.remote(host).run(andAll(auditRecord(ctx, 'Deleted env files'), ...removals), { signal: ctx.signal })
  })
