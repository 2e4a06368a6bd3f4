import { cmd, type Command } from '../shell/command.ts'

// Local git commands for version resolution and Kamal's build-from-a-clean-clone (kamal.md §2.2).
// Every command names its directory with `git -C`, so nothing depends on the process cwd.

const git = (cwd: string | undefined, ...args: string[]): Command =>
  cmd('git', ...(cwd === undefined ? [] : ['-C', cwd]), ...args)

/** `git rev-parse HEAD`: the commit the build is for. */
export const revParseHead = (cwd?: string): Command => git(cwd, 'rev-parse', 'HEAD')

/** `git status --porcelain`: empty output means a clean checkout. */
export const statusPorcelain = (cwd?: string): Command => git(cwd, 'status', '--porcelain')

/** `git rev-parse --show-toplevel`: the repository root (fails outside a repository). */
export const showToplevel = (cwd?: string): Command => git(cwd, 'rev-parse', '--show-toplevel')

/**
 * `git rev-parse --show-toplevel HEAD`: the root, then the commit, in one process. Before the first
 * commit it prints the root and fails on HEAD; outside a repository it prints nothing.
 */
export const toplevelAndHead = (cwd?: string): Command => git(cwd, 'rev-parse', '--show-toplevel', 'HEAD')

/** `git config --get-regexp ^user\.(name|email)$`: who runs the command, as `user.name Jane` lines. */
export const userIdentity = (cwd?: string): Command => git(cwd, 'config', '--get-regexp', '^user\\.(name|email)$')

/** `git -C <clone_dir> clone <root> --recurse-submodules` */
export const clone = (cloneDir: string, gitRoot: string): Command =>
  git(cloneDir, 'clone', gitRoot, '--recurse-submodules')

/** Brings an existing clone to `sha` and removes everything git does not track, as Kamal's clone_reset_steps. */
export const cloneResetSteps = (buildDir: string, root: string, sha: string): Command[] => [
  git(buildDir, 'remote', 'set-url', 'origin', root),
  git(buildDir, 'fetch', 'origin'),
  git(buildDir, 'reset', '--hard', sha),
  git(buildDir, 'clean', '-fdx'),
  git(buildDir, 'submodule', 'update', '--init'),
]

/** `git -C <build_dir> status --porcelain`: a prepared clone must print nothing. */
export const cloneStatus = (buildDir: string): Command => statusPorcelain(buildDir)

/** `git -C <build_dir> rev-parse HEAD`: a prepared clone must be at the local HEAD. */
export const cloneRevision = (buildDir: string): Command => revParseHead(buildDir)

/** `mkdir -p <clone_dir>`: git clone needs its parent to exist. */
export const makeCloneDir = (cloneDir: string): Command => cmd('mkdir', '-p', cloneDir)

/** `rm -rf <clone_dir>`: a corrupt clone is deleted and cloned again. */
export const removeCloneDir = (cloneDir: string): Command => cmd('rm', '-rf', cloneDir)
