import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Accessory } from '../../lib/config/types.ts'
import type { DeployContext } from '../../lib/context.ts'
import { evaluateErb } from '../../lib/config/erb.ts'
import { globToRegExp } from '../../lib/config/glob.ts'
import { DeployError } from '../../lib/errors.ts'

// Which accessories and hosts an `accessory` subcommand acts on, and the local `files:` it uploads
// (Kamal's Cli::Accessory#with_accessory, #accessory_hosts and Configuration::Accessory#files).

/** The accessories `name` means: one by name, or every one for `all`; an unknown name lists the known ones. */
export function accessoriesNamed(ctx: DeployContext, name: string): readonly Accessory[] {
  const all = ctx.config.accessories
  if (name === 'all') return all
  const found = all.find((a) => a.name === name)
  if (found) return [found]
  const known = all.map((a) => a.name).join(', ')
  throw new DeployError(
    `no accessory named ${name} in ${ctx.config.file} (${known ? `accessories: ${known}` : 'it has no accessories'})`,
  )
}

/**
 * The accessory's own hosts, narrowed by `--hosts` or `--primary` as Kamal's specific_hosts.
 * `--roles` does not apply: accessories belong to no role.
 */
export function accessoryHosts(ctx: DeployContext, accessory: Accessory): readonly string[] {
  const { flags } = ctx
  if (flags.primary) return accessory.hosts.filter((h) => h === ctx.selection.primaryHost)
  if (!flags.hosts?.length) return accessory.hosts
  const patterns = flags.hosts.map(globToRegExp)
  return accessory.hosts.filter((h) => patterns.some((p) => p.test(h)))
}

/** Per host, the accessories it runs, in config order; hosts in order of first appearance. */
export function hostPlan(ctx: DeployContext, accessories: readonly Accessory[]): Map<string, Accessory[]> {
  const plan = new Map<string, Accessory[]>()
  for (const accessory of accessories) {
    for (const host of accessoryHosts(ctx, accessory)) plan.set(host, [...(plan.get(host) ?? []), accessory])
  }
  return plan
}

/** One `files:` entry, read and rendered locally: what is uploaded to the host. */
export interface LocalFile {
  readonly remote: string
  readonly content: string
}

/**
 * Reads an accessory's `files:` (relative to the project root). `*.erb` files are rendered with the
 * accessory's clear env as ENV only (the ERB deploy.yml supports, docs/compatibility.md): secrets
 * never end up in an uploaded file by accident.
 */
export async function readAccessoryFiles(ctx: DeployContext, accessory: Accessory): Promise<readonly LocalFile[]> {
  return Promise.all(
    accessory.files.map(async ({ local, remote }) => {
      const path = resolve(ctx.config.root, local)
      let source: string
      try {
        source = await readFile(path, 'utf8')
      } catch (cause) {
        throw new DeployError(
          `accessories.${accessory.name}.files: cannot read ${local} (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
          { cause },
        )
      }
      return {
        remote,
        content: local.endsWith('.erb') ? evaluateErb(source, { file: local, env: accessory.env.clear }) : source,
      }
    }),
  )
}
