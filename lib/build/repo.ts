import type { Executor } from '../exec/executor.ts'
import * as git from '../commands/git.ts'

// Small questions about the local git checkout, asked through the local executor (so dry runs and
// tests see them). Each takes the directory explicitly; nothing reads the process cwd.

/** The repository root containing `dir`, or undefined when `dir` is not inside a git repository. */
export async function gitRoot(local: Executor, dir: string, signal?: AbortSignal): Promise<string | undefined> {
  const result = await local.run(git.showToplevel(dir), { allowFailure: true, signal })
  return result.exitCode === 0 ? result.stdout.trim() : undefined
}

/** The full SHA of HEAD, or undefined when the repository has no commit yet. */
export async function headSha(local: Executor, dir: string, signal?: AbortSignal): Promise<string | undefined> {
  const result = await local.run(git.revParseHead(dir), { allowFailure: true, signal })
  return result.exitCode === 0 ? result.stdout.trim() : undefined
}

/** `git status --porcelain` lines (modified, added, untracked files); empty when the checkout is clean. */
export async function uncommittedChanges(local: Executor, dir: string, signal?: AbortSignal): Promise<string> {
  const result = await local.run(git.statusPorcelain(dir), { signal })
  return result.stdout.replace(/\s+$/, '')
}
