import { cmd, type Command } from '../shell/command.ts'
import { program } from './program.ts'

// Local git commands for version resolution and Kamal's build-from-a-clean-clone.
// Every command names its directory with `git -C`, so nothing depends on the process cwd.

const git = (cwd: string | undefined, ...args: string[]): Command =>
  cmd('git', ...(cwd === undefined ? [] : ['-C', cwd]), ...args)

/** `git status --porcelain`: empty output means a clean checkout. */
export const statusPorcelain = (cwd?: string): Command => git(cwd, 'status', '--porcelain')

/**
 * `git rev-parse --show-toplevel HEAD`: the root, then the commit, in one process. Before the first
 * commit it prints the root and fails on HEAD; outside a repository it prints nothing.
 */
export const toplevelAndHead = (cwd?: string): Command => git(cwd, 'rev-parse', '--show-toplevel', 'HEAD')

/** `git config --get-regexp ^user\.(name|email)$`: who runs the command, as `user.name Jane` lines. */
export const userIdentity = (cwd?: string): Command => git(cwd, 'config', '--get-regexp', '^user\\.(name|email)$')

/** How {@link clonePrepare} gets the clone to the commit. */
export type CloneMode = 'reset' | 'clone' | 'reclone'

const prepareProgram = program<'mode' | 'clone_dir' | 'top' | 'build_dir' | 'root' | 'sha'>('clone-prepare.sh')

/**
 * Kamal's clone steps (clone, or set-url, fetch, reset --hard, clean -fdx, submodule update) and
 * the clone's HEAD and status, as one local program (sh/clone-prepare.sh).
 */
export const clonePrepare = (
  mode: CloneMode,
  paths: { cloneDir: string; top: string; buildDir: string },
  root: string,
  sha: string,
): Command => prepareProgram({ mode, clone_dir: paths.cloneDir, top: paths.top, build_dir: paths.buildDir, root, sha })

/** What {@link clonePrepare} printed: the clone's HEAD and its `git status --porcelain` lines. */
export function parseClonePrepare(stdout: string): { head: string; status: string } {
  const [first = '', ...status] = stdout.split('\n')
  return { head: first.startsWith('head=') ? first.slice('head='.length) : '', status: status.join('\n').trimEnd() }
}
