import type { Executor } from '../exec/executor.ts'
import * as git from '../commands/git.ts'

// Small questions about the local git checkout, asked through the local executor (so dry runs and
// tests see them). Each takes the directory explicitly; nothing reads the process cwd.

/** A directory's git repository root and HEAD: `root` is undefined outside a repository, `sha` before the first commit. */
export interface Checkout {
  readonly root: string | undefined
  readonly sha: string | undefined
}

/** The {@link Checkout} containing `dir`, asked in one process (start-up of every run). */
export async function rootAndHead(local: Executor, dir: string, signal?: AbortSignal): Promise<Checkout> {
  const result = await local.run(git.toplevelAndHead(dir), { allowFailure: true, signal })
  const [root, sha] = result.stdout.split('\n')
  return { root: root || undefined, sha: result.exitCode === 0 ? sha : undefined }
}

/** git's `user.name` and `user.email` as `dir` sees them (the last one set wins, as in `git config`). */
export async function gitIdentity(
  local: Executor,
  dir: string,
  signal?: AbortSignal,
): Promise<{ name: string | undefined; email: string | undefined }> {
  const result = await local.run(git.userIdentity(dir), { allowFailure: true, signal })
  const values = new Map<string, string>()
  for (const line of result.stdout.split('\n')) {
    const space = line.indexOf(' ')
    if (space > 0) values.set(line.slice(0, space), line.slice(space + 1).trim())
  }
  return { name: values.get('user.name') || undefined, email: values.get('user.email') || undefined }
}

/** `git status --porcelain` lines (modified, added, untracked files); empty when the checkout is clean. */
export async function uncommittedChanges(local: Executor, dir: string, signal?: AbortSignal): Promise<string> {
  const result = await local.run(git.statusPorcelain(dir), { signal })
  return result.stdout.replace(/\s+$/, '')
}
