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
  /** `<cloneDir>/<basename of git root>`: the clone's work tree. */
  readonly top: string
  /** `<cloneDir>/<basename of git root>/<project dir relative to git root>`, so monorepo subdirectories work. */
  readonly buildDir: string
}

/** Kamal's clone_directory / build_directory, from the real paths (git reports the root resolved). */
export function clonePaths(
  service: string,
  { projectDir, gitRoot }: { projectDir: string; gitRoot: string },
): ClonePaths {
  const cloneDir = cloneDirOf(service, projectDir)
  const top = join(cloneDir, basename(gitRoot))
  return { cloneDir, top, buildDir: join(top, relative(realpathSync(gitRoot), realpathSync(projectDir))) }
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
 * Each attempt is one local program (git.clonePrepare). Returns the build directory.
 */
export async function prepareClone(inputs: CloneInputs): Promise<string> {
  const { local, config, projectDir, gitRoot, log, signal } = inputs
  const paths = clonePaths(config.service, { projectDir, gitRoot })
  try {
    const exists = existsSync(paths.top)
    log(
      exists
        ? `Resetting the clone in ${paths.cloneDir} to ${inputs.sha}`
        : `Cloning ${gitRoot} into ${paths.cloneDir}`,
    )
    await attempt(inputs, paths, exists ? 'reset' : 'clone')
  } catch (error) {
    if (signal?.aborted) throw error
    log(`Error preparing clone: ${message(error)}, deleting and retrying...`)
    try {
      await attempt(inputs, paths, 'reclone')
    } catch (retryError) {
      throw new BuildError(`cannot prepare a clean clone of ${gitRoot} in ${paths.cloneDir}: ${message(retryError)}`, {
        cause: retryError,
      })
    }
  }
  return paths.buildDir
}

// The clone is what gets built, so it must be exactly the commit being deployed and nothing else.
async function attempt({ local, gitRoot, sha, signal }: CloneInputs, paths: ClonePaths, mode: git.CloneMode) {
  const { stdout } = await local.run(git.clonePrepare(mode, paths, gitRoot, sha), { signal })
  const { head, status } = git.parseClonePrepare(stdout)
  if (status) throw new BuildError(`clone in ${paths.cloneDir} is dirty, ${status}`)
  if (head !== sha)
    throw new BuildError(`clone in ${paths.cloneDir} is not on the correct revision, expected ${sha} but got ${head}`)
}

const message = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).trim().replace(/\s*\n\s*/g, ' ')
