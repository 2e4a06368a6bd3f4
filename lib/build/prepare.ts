import type { Config } from '../config/types.ts'
import type { Executor } from '../exec/executor.ts'
import { prepareClone } from './clone.ts'
import { rootAndHead, uncommittedChanges } from './repo.ts'

/** Where `docker build` runs and what it is given as context. */
export interface BuildDir {
  /** The cwd of `docker build`: the prepared clone's build dir, or the project dir itself. */
  readonly dir: string
  /** The build context relative to `dir`: `.` for clones, `builder.context` for checkout builds. */
  readonly context: string
  /** Whether `dir` is a clean clone (uncommitted changes are not in the image). */
  readonly cloned: boolean
}

/** Inputs of build directory preparation. */
export interface PrepareInputs {
  readonly local: Executor
  readonly config: Config
  /** Progress lines (task output). */
  readonly log: (line: string) => void
  /** Warnings worth repeating in the run's summary. */
  readonly warn: (message: string) => void
  readonly signal?: AbortSignal
}

/**
 * Kamal's `build push` preparation: with `builder.context` set, build the checkout as it is (and
 * say so if it has uncommitted changes); otherwise build a clean clone of HEAD, so git-ignored but
 * not docker-ignored files and uncommitted edits never reach the image. Outside a git repository
 * the project dir is built as it is.
 */
export async function prepareBuildDir({ local, config, log, warn, signal }: PrepareInputs): Promise<BuildDir> {
  const projectDir = config.root
  // Both questions at once; the status fails outside a repository, where it is not needed.
  const [head, changes] = await Promise.allSettled([
    rootAndHead(local, projectDir, signal),
    uncommittedChanges(local, projectDir, signal),
  ])
  if (head.status === 'rejected') throw head.reason
  const { root, sha } = head.value
  if (changes.status === 'rejected' && root !== undefined) throw changes.reason
  const status = changes.status === 'fulfilled' ? changes.value : ''
  if (config.builder.context !== undefined || root === undefined) {
    if (status) warn(`Building with uncommitted changes:\n${status}`)
    return { dir: projectDir, context: config.builder.context ?? '.', cloned: false }
  }
  if (status) warn(`Building from a local git clone, so ignoring these uncommitted changes:\n${status}`)
  if (sha === undefined) return { dir: projectDir, context: '.', cloned: false }
  const dir = await prepareClone({ local, config, projectDir, gitRoot: root, sha, log, signal })
  return { dir, context: '.', cloned: true }
}
