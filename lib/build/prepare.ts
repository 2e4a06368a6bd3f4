import type { Config } from '../config/types.ts'
import type { Executor } from '../exec/executor.ts'
import { prepareClone } from './clone.ts'
import { rootAndHead, uncommittedChanges, type Checkout } from './repo.ts'

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
  /** The project dir's root and HEAD if the run already asked git (its version's commit): the clone starts at once. */
  readonly checkout?: Checkout | undefined
}

/**
 * Kamal's `build push` preparation: with `builder.context` set, build the checkout as it is (and
 * say so if it has uncommitted changes); otherwise build a clean clone of HEAD, so git-ignored but
 * not docker-ignored files and uncommitted edits never reach the image. Outside a git repository
 * the project dir is built as it is.
 */
export async function prepareBuildDir(inputs: PrepareInputs): Promise<BuildDir> {
  const { local, config, warn, signal } = inputs
  const projectDir = config.root
  // The status runs beside the other git work; it fails outside a repository, where it is not needed.
  const status = uncommittedChanges(local, projectDir, signal)
  status.catch(() => undefined) // awaited below, once the root is known
  const { root, sha } = inputs.checkout ?? (await rootAndHead(local, projectDir, signal))
  const changes = root === undefined ? status.catch(() => '') : status
  // Built as it is: the checkout by request, or outside a repository, or before its first commit.
  if (config.builder.context !== undefined || root === undefined || sha === undefined) {
    const lines = await changes
    if (lines) warn(`Building with uncommitted changes:\n${lines}`)
    return { dir: projectDir, context: config.builder.context ?? '.', cloned: false }
  }
  const [lines, dir] = await Promise.allSettled([changes, prepareClone({ ...inputs, projectDir, gitRoot: root, sha })])
  if (lines.status === 'rejected') throw lines.reason
  if (lines.value) warn(`Building from a local git clone, so ignoring these uncommitted changes:\n${lines.value}`)
  if (dir.status === 'rejected') throw dir.reason
  return { dir: dir.value, context: '.', cloned: true }
}
