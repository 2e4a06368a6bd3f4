import type { Accessory, Role } from '../../lib/config/types.ts'
import type { DeployContext, DeployTask } from '../../lib/context.ts'
import { envFor } from '../../lib/config/env.ts'
import * as accessoryCmd from '../../lib/commands/accessory.ts'
import * as app from '../../lib/commands/app.ts'
import { latestTag } from '../../lib/commands/naming.ts'
import { cmd, type Command } from '../../lib/shell/command.ts'
import { DeployError } from '../../lib/errors.ts'
import { reportOnHosts, type ReportBlock } from './fan-out.ts'
import { accessoriesNamed, accessoryHosts } from './accessory-select.ts'
import { audited } from './audit.ts'

// Kamal's `app exec`, `accessory exec` and `server exec`: a command on every selected host, its
// output reported per host (and role); or with -i, one command on one host with the local terminal,
// run by main() after the tree (lib/run/handover.ts). A command run on the hosts is recorded in
// their audit log with Kamal's words; an interactive session is not, as in Kamal.

/** What the exec tasks take (cli/ parses it from -i, --reuse, -e and CMD). */
export interface ExecOptions {
  /** The command's words, run without a shell (`server exec` gets its own). */
  readonly command: readonly string[]
  /** The command as the user typed it, for the audit line. @default the words joined by spaces */
  readonly typed?: string
  readonly interactive: boolean
  readonly reuse: boolean
  /** Extra env of `app exec` (`-e K=V`). */
  readonly env: Readonly<Record<string, string>>
}

/** `app exec`: a new container of the current image (`latest`, or `--version`) per role on each host, or `docker exec` with --reuse. */
export const appExec = (exec: ExecOptions): DeployTask => {
  const versioned = async (ctx: DeployContext, host: string, role: Role) => {
    const version = exec.reuse ? await runningVersion(ctx, host, role) : (ctx.flags.version ?? latestTag(ctx.config))
    const env = envFor(ctx.config, role, host)
    return { version, command: app.exec(ctx.config, role, { ...exec, version, env, extraEnv: exec.env }) }
  }
  if (exec.interactive) {
    return interactive('App exec', async (ctx) => {
      const host = ctx.selection.primaryHost
      return { host, command: (await versioned(ctx, host, ctx.selection.rolesOn(host)[0]!)).command }
    })
  }
  // Kamal names the role only for --reuse, where the container is the role's own.
  const command = async (ctx: DeployContext, host: string, role: Role): Promise<Command> => {
    const { version, command } = await versioned(ctx, host, role)
    const line = `Executed cmd '${said(exec)}' on app version ${version}`
    return audited(ctx, line, command, exec.reuse ? { role: role.name } : undefined)
  }
  return reportOnHosts(
    'App exec',
    (ctx) => ctx.selection.hosts,
    async (ctx, host) => {
      const blocks: ReportBlock[] = []
      for (const role of ctx.selection.rolesOn(host))
        blocks.push({
          header: `Host: ${host} (${role.name})`,
          text: await output(ctx, host, await command(ctx, host, role)),
        })
      return blocks
    },
  )
}

/** `accessory exec NAME`: a new container of the accessory's image on each of its hosts, or `docker exec` in the running one with --reuse. */
export const accessoryExec = (name: string, exec: ExecOptions): DeployTask => {
  const command = async (ctx: DeployContext, host: string, accessory: Accessory): Promise<Command> => {
    // Relative volumes are under the ssh user's home; a fresh container needs it spelled out.
    const home = exec.reuse ? '.' : (await ctx.remote(host).run(cmd('pwd'), { signal: ctx.signal })).stdout.trim()
    return accessoryCmd.exec(ctx.config, accessory, { ...exec, home, fresh: !exec.reuse })
  }
  const accessory = (ctx: DeployContext): Accessory => accessoriesNamed(ctx, name)[0]!
  if (exec.interactive) {
    return interactive(`Accessory exec ${name}`, async (ctx) => {
      const host = firstHost(accessoryHosts(ctx, accessory(ctx)), name)
      return { host, command: await command(ctx, host, accessory(ctx)) }
    })
  }
  return reportOnHosts(
    `Accessory exec ${name}`,
    (ctx) => accessoryHosts(ctx, accessory(ctx)),
    async (ctx, host) => {
      const line = `Executed cmd '${said(exec)}' on ${name} accessory`
      const run = audited(ctx, line, await command(ctx, host, accessory(ctx)))
      return [{ header: `Host: ${host} (${name})`, text: await output(ctx, host, run) }]
    },
  )
}

/** `server exec CMD`: the command itself (one CMD is sh script text) on every app and accessory host. */
export const serverExec = (exec: ExecOptions, words: readonly string[]): DeployTask => {
  const command = words.length === 1 ? cmd('sh', '-c', words[0]!) : cmd(words[0]!, ...words.slice(1))
  if (exec.interactive) return interactive('Server exec', async (ctx) => ({ host: ctx.selection.primaryHost, command }))
  return reportOnHosts('Server exec', serverHosts, async (ctx, host) => [
    {
      header: `Host: ${host}`,
      text: await output(ctx, host, audited(ctx, `Executed cmd '${said(exec)}' on ${host}`, command)),
    },
  ])
}

/** The selected app hosts, then the accessory hosts not among them (Kamal's `hosts | accessory_hosts`). */
export function serverHosts(ctx: DeployContext): readonly string[] {
  const hosts = new Set(ctx.selection.hosts)
  for (const accessory of ctx.config.accessories) for (const host of accessoryHosts(ctx, accessory)) hosts.add(host)
  return [...hosts]
}

/**
 * Works out the host and command in the tree, then leaves the terminal session to main(). A dry
 * run records the command instead.
 */
const interactive = (
  title: string,
  target: (ctx: DeployContext) => Promise<{ host: string; command: Command }>,
): DeployTask => ({
  title,
  task: async (ctx, task) => {
    const { host, command } = await target(ctx)
    task.title = `${title} on ${host}`
    const remote = ctx.remote(host)
    if (ctx.flags.dryRun || !remote.attach) return void (await remote.run(command, { signal: ctx.signal }))
    ctx.found.handover = ({ withTerminal, signal }) =>
      withTerminal((terminal) => remote.attach!(command, terminal, { signal }))
  },
})

/** The command's stdout, then its stderr; a failure names the host and keeps both. */
async function output(ctx: DeployContext, host: string, command: Command): Promise<string> {
  const { stdout, stderr } = await ctx.remote(host).run(command, { signal: ctx.signal })
  // A dry run's canned reply is not the command's output.
  if (ctx.flags.dryRun) return ''
  return stderr.trim() ? `${stdout.trimEnd()}\n${stderr.trimEnd()}` : stdout
}

/** The command as the user typed it, for the audit line. */
const said = (exec: ExecOptions): string => exec.typed ?? exec.command.join(' ')

async function runningVersion(ctx: DeployContext, host: string, role: Role): Promise<string> {
  const found = await ctx.remote(host).run(app.currentRunningVersion(ctx.config, role), { signal: ctx.signal })
  const version = found.stdout.trim()
  if (!version)
    throw new DeployError(`${host}: no running ${role.name} container to --reuse (boot the app, or drop --reuse)`)
  return version
}

function firstHost(hosts: readonly string[], name: string): string {
  if (!hosts[0]) throw new DeployError(`accessory ${name} has no selected host`)
  return hosts[0]
}
