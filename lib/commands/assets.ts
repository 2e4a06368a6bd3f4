import type { Config, Role } from '../config/types.ts'
import { cmd, type Command } from '../shell/command.ts'
import { filterArgs } from './args.ts'
import { absoluteImage, absolutePath, containerName, containerPrefix, latestImage } from './naming.ts'
import { program } from './program.ts'

// Asset bridging (Kamal's `asset_path`): while a deploy switches a proxied role from one version to
// the next, pages of the old version still ask for its fingerprinted assets, and pages of the new
// one for the new. Each version's container mounts a volume holding both sets.

/** A role that bridges assets. */
export type AssetRole = Role & { readonly assetPath: string }

/** Whether a role bridges assets: an `asset_path`, and behind the proxy (Kamal's `assets?`). */
export const bridgesAssets = (role: Role): role is AssetRole => role.assetPath !== undefined && role.proxy

/** `<run_directory>/assets/extracted`: each version's assets as its image has them, by container name. */
export const extractedDir = (config: Config): string => `${config.runDirectory}/assets/extracted`

/** `<run_directory>/assets/volumes`: what each container mounts at `asset_path`, by container name. */
export const volumesDir = (config: Config): string => `${config.runDirectory}/assets/volumes`

const PREPARE = program<'run' | 'name' | 'image' | 'path' | 'ref'>('assets-prepare.sh')

/**
 * Before a role's boot (sh/assets-prepare.sh): extracts the new version's assets from its image and
 * merges them with the current version's, both ways, without replacing a file either volume has.
 * Read its answer with `parseAssets`.
 */
export function prepareAssets(config: Config, role: AssetRole, version: string): Command {
  return PREPARE(
    {
      run: config.runDirectory,
      name: containerName(config, role, version),
      image: absoluteImage(config, version),
      path: role.assetPath,
      ref: latestImage(config),
    },
    filterArgs(config, { role }),
  )
}

/** What `prepareAssets` found. */
export interface PreparedAssets {
  /** The new container's asset volume, absolute: `--volume <volume>:<asset_path>`. */
  readonly volume: string
  /** Volumes the other version's assets could not be merged into (the deploy goes on). */
  readonly unmerged: readonly string[]
}

/** Parses `prepareAssets`'s stdout; throws when it did not run to its answer. */
export function parseAssets(config: Config, role: Role, version: string, stdout: string): PreparedAssets {
  const lines = stdout.split('\n').map((line) => line.replace(/\r$/, ''))
  const home = lines.find((line) => line.startsWith('home='))?.slice('home='.length)
  if (home === undefined || !lines.some((line) => line.startsWith('current=')))
    throw new Error(`unexpected asset preparation output: ${JSON.stringify(stdout.slice(0, 200))}`)
  return {
    volume: absolutePath(home, `${volumesDir(config)}/${containerName(config, role, version)}`),
    unmerged: lines.filter((line) => line.startsWith('unmerged=')).map((line) => line.slice('unmerged='.length)),
  }
}

/**
 * After the old container stopped (Kamal's `clean_up_assets`): every other version's extracted
 * assets and volume of the role go; the new version's stay, for the next deploy to merge.
 */
export function cleanUpAssets(config: Config, role: Role, version: string): Command {
  const prefix = containerPrefix(config, role)
  // Kamal matches `<prefix>-*` alone, which also takes the dirs of a role named like this one and
  // more (`web-admin` for `web`): those are left out.
  const longer = config.roles
    .map((other) => containerPrefix(config, other))
    .filter((other) => other.startsWith(`${prefix}-`))
    .flatMap((other) => ['!', '-name', `${other}-*`])
  // prettier-ignore
  return cmd(
    'find', extractedDir(config), volumesDir(config), '-mindepth', '1', '-maxdepth', '1',
    '-name', `${prefix}-*`, ...longer, '!', '-name', containerName(config, role, version),
    '-exec', 'rm', '-rf', '{}', '+',
  )
}
