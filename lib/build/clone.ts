import { createHash } from 'node:crypto'
import { existsSync, realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, relative } from 'node:path'
import * as git from '../commands/git.ts'
import type { Config } from '../config/types.ts'
import { BuildError } from '../errors.ts'
import type { Executor } from '../exec/executor.ts'

/** Where a project's clean clone lives and where inside it the build runs. */
export interface ClonePaths {
  /** `<tmpdir>/slipway-clones/<service>-<sha256(project dir)[0..12]>`, shared by all destinations. */
  readonly cloneDir: string
  /** `<cloneDir>/<basename of git root>/<project dir relative to git root>`, so monorepo subdirectories work. */
  readonly buildDir: string
}

/** Kamal's clone_directory / build_directory, from the real paths (git reports the root resolved). */
export function clonePaths(
  service: string,
  { projectDir, gitRoot }: { projectDir: string; gitRoot: string },
): ClonePaths {
  const cloneDir = cloneDirOf(service, projectDir)
  return {
    cloneDir,
    buildDir: join(cloneDir, basename(gitRoot), relative(realpathSync(gitRoot), realpathSync(projectDir))),
  }
}

/** `<tmpdir>/slipway-clones/<service>-<sha256(real project dir)[0..12]>`: this project's build state lives here. */
export function cloneDirOf(service: string, projectDir: string): string {
  // Ruby's [0..12] is inclusive: 13 hex characters, kept so the digest matches Kamal's.
  const digest = createHash('sha256').update(realpathSync(projectDir)).digest('hex').slice(0, 13)
  return join(tmpdir(), 'slipway-clones', `${service}-${digest}`)
}

/** Inputs of clone preparation. */
export interface CloneInputs {
  readonly local: Executor
  readonly config: Config
  readonly projectDir: string
  readonly gitRoot: string
  /** The local HEAD the clone must be at. */
  readonly sha: string
  /** Progress and recovery messages for the task output. */
  readonly log: (line: string) => void
  readonly signal?: AbortSignal
}

/**
 * Kamal's `Cli::Build::Clone#prepare`: clone on first use, otherwise fetch and hard-reset the
 * existing clone to `sha`; then check it is clean and at `sha`. Any failure (a corrupt clone, a
 * moved project) deletes the clone and clones once more; a second failure is a BuildError.
 * Returns the build directory.
 */
export async function prepareClone(inputs: CloneInputs): Promise<string> {
  const { local, config, projectDir, gitRoot, log, signal } = inputs
  const paths = clonePaths(config.service, { projectDir, gitRoot })
  try {
    if (existsSync(join(paths.cloneDir, basename(gitRoot)))) {
      log(`Resetting the clone in ${paths.cloneDir} to ${inputs.sha}`)
      for (const step of git.cloneResetSteps(paths.buildDir, gitRoot, inputs.sha)) await local.run(step, { signal })
    } else {
      await cloneFresh(inputs, paths)
    }
    await validate(inputs, paths)
  } catch (error) {
    if (signal?.aborted) throw error
    log(`Error preparing clone: ${message(error)}, deleting and retrying...`)
    try {
      await local.run(git.removeCloneDir(paths.cloneDir), { signal })
      await cloneFresh(inputs, paths)
      await validate(inputs, paths)
    } catch (retryError) {
      throw new BuildError(`cannot prepare a clean clone of ${gitRoot} in ${paths.cloneDir}: ${message(retryError)}`, {
        cause: retryError,
      })
    }
  }
  return paths.buildDir
}

async function cloneFresh({ local, gitRoot, log, signal }: CloneInputs, { cloneDir }: ClonePaths): Promise<void> {
  log(`Cloning ${gitRoot} into ${cloneDir}`)
  await local.run(git.makeCloneDir(cloneDir), { signal })
  await local.run(git.clone(cloneDir, gitRoot), { signal })
}

// The clone is what gets built, so it must be exactly the commit being deployed and nothing else.
async function validate({ local, sha, signal }: CloneInputs, { cloneDir, buildDir }: ClonePaths): Promise<void> {
  const status = (await local.run(git.cloneStatus(buildDir), { signal })).stdout.trim()
  if (status) throw new BuildError(`clone in ${cloneDir} is dirty, ${status}`)
  const revision = (await local.run(git.cloneRevision(buildDir), { signal })).stdout.trim()
  if (revision !== sha)
    throw new BuildError(`clone in ${cloneDir} is not on the correct revision, expected ${sha} but got ${revision}`)
}

const message = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).trim().replace(/\s*\n\s*/g, ' ')
