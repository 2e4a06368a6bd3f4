import { randomBytes } from 'node:crypto'
import type { Config } from '../config/types.ts'
import { BuildError } from '../errors.ts'
import type { Executor } from '../exec/executor.ts'
import { rootAndHead, uncommittedChanges, type Checkout } from './repo.ts'

/** Inputs of version resolution; main.ts calls `resolveVersion` once per run. */
export interface VersionInputs {
  /** The project directory (where git is asked). */
  readonly cwd: string
  /** `--version`, if given. */
  readonly flag: string | undefined
  /** The environment to read `VERSION` from (main passes process.env). */
  readonly env: Readonly<Record<string, string | undefined>>
  readonly config: Config
  readonly local: Executor
  readonly signal?: AbortSignal
}

/** The run's version, and the checkout when git was asked for it (the build then clones that HEAD without asking again). */
export interface ResolvedVersion {
  readonly version: string
  readonly checkout?: Checkout | undefined
}

/**
 * The version to deploy, as Kamal's `Configuration#version`: `--version`, else `VERSION`, else
 * `git rev-parse HEAD`. When the image is built from the checkout (`builder.context` set) and it has
 * uncommitted changes, `_uncommitted_<16 random hex>` is appended so the image is never mistaken
 * for the commit; builds from the clean clone contain only the commit, so the plain SHA is honest.
 */
export async function resolveVersion({
  cwd,
  flag,
  env,
  config,
  local,
  signal,
}: VersionInputs): Promise<ResolvedVersion> {
  if (flag) return { version: flag }
  if (env.VERSION) return { version: env.VERSION }
  const checkout = await rootAndHead(local, cwd, signal)
  const { root, sha } = checkout
  if (root === undefined) {
    throw new BuildError(
      `can't use commit hash as version, no git repository found in ${cwd} (pass --version or set VERSION)`,
    )
  }
  if (sha === undefined) throw new BuildError(`can't use commit hash as version, ${root} has no commit yet`)
  if (config.builder.context === undefined) return { version: sha, checkout }
  const changes = await uncommittedChanges(local, cwd, signal)
  return { version: changes ? `${sha}_uncommitted_${randomBytes(8).toString('hex')}` : sha, checkout }
}
