import type { ListrTask } from 'listr2'
import type { Config } from './config/types.ts'
import type { Selection } from './config/selection.ts'
import type { Executor } from './exec/executor.ts'
import type { BuildRoute } from './build/route.ts'
import type { Checkout } from './build/repo.ts'
import type { Handover } from './run/handover.ts'
import { Pending } from './run/pending.ts'

export type { Selection }

/** Flags shared by every command (parsed once, by lib/cli/flags.ts). */
export interface Flags {
  readonly configFile: string | undefined
  readonly destination: string | undefined
  readonly version: string | undefined
  /** `-h/--hosts`, comma list with `*` wildcards. */
  readonly hosts: readonly string[] | undefined
  /** `-r/--roles`, comma list with `*` wildcards. */
  readonly roles: readonly string[] | undefined
  readonly primary: boolean
  readonly skipHooks: boolean
  readonly skipPush: boolean
  readonly verbose: boolean
  readonly quiet: boolean
  readonly confirmed: boolean
  readonly dryRun: boolean
  /** `--lock-wait[=SECONDS]`: how long to wait for a held deploy lock; unset: fail at once. */
  readonly lockWait: number | undefined
}

/**
 * Everything a task may use. Built once per run by main(); passed by listr2 to every task. Two kinds
 * of thing: the run's session (what it acts on and with, and what it holds: `found`), and its
 * `report`, the buffers printed when the tree ends.
 */
export interface DeployContext {
  readonly config: Config
  /** The app version this run deploys (git SHA, `--version` or `VERSION`). */
  readonly version: string
  /** Entry script name as Kamal's KAMAL_COMMAND: `deploy`, `push`, `app`, `traefik`, ... */
  readonly command: string
  readonly subcommand: string | undefined
  readonly flags: Flags
  readonly selection: Selection
  /** Runs commands on this machine (git, docker build/push, hooks). */
  readonly local: Executor
  /** The executor for a host; connects on first use (one connection per host per run), closed by main(). */
  readonly remote: (host: string) => Executor
  /** Aborted on Ctrl-C / SIGTERM: tasks stop starting new work; cleanup still runs. */
  readonly signal: AbortSignal
  /** The time now: audit lines are stamped with it (tests fix it). */
  readonly clock: () => Date
  /** `Date.now()` when the run started, for KAMAL_RUNTIME. */
  readonly startedAt: number
  /** Who runs this deploy (git user.name / email, or the OS user). */
  readonly performer: string
  /** Kamal's audit performer tag: git user.email, else the OS user. */
  readonly auditPerformer: string
  /** Session state found while running: written by one task, read by a later one. Keep it small. */
  readonly found: SessionState
  /** What the run prints when it ends: tasks add to it, main() prints it after the tree, failed or not. */
  readonly report: RunReport
}

/** Session state shared between tasks of one run: what the run holds and has set up. */
export interface SessionState {
  /** Whether this run holds the deploy lock (nested withLock skips re-acquiring). */
  holdingLock: boolean
  /** The project's git root and HEAD as the run's start found them (the version's commit); unset when the version came from elsewhere. */
  checkout?: Checkout | undefined
  /** How and where images are built, once decided (build, push and `build details` need it). */
  route?: BuildRoute | undefined
  /** The version this run built: every build labels it `service=<service>`, so its pull needs no label check. */
  built?: string | undefined
  /**
   * Hosts whose docker this run logged in to the registry: the deploy logs in while the image
   * builds, so the pull (and a proxy boot that must pull its image) skip a second login.
   */
  readonly loggedIn: Set<string>
  /**
   * Docker API version per host, learnt with the login (`docker version`, off the critical path): it
   * decides how a new container's first health check is made early (commands/health.ts `earlyCheck`).
   */
  readonly apiVersions: Map<string, string>
  /** What the run does after the tree, holding the terminal (`exec -i`, `logs -f`): see lib/run/handover.ts. */
  handover?: Handover | undefined
  /** Work a step left running for a later one to see through (a boot's stop of old containers): lib/run/pending.ts. */
  readonly pending: Pending
}

/** The run's report buffers, printed by main() when the tree ends. */
export interface RunReport {
  /**
   * What read-only commands found (details, logs, lock status, versions): printed to stdout,
   * so it is plain text a person or a script can read.
   */
  readonly lines: string[]
  /** Warnings repeated on stderr at the end. */
  readonly warnings: string[]
  /** Hosts where `latest` now points at this run's version: the end-of-run line names them. */
  readonly live: Set<string>
}

/** A run's fresh session state and empty report. */
export function newRunState(): { readonly found: SessionState; readonly report: RunReport } {
  const report: RunReport = { lines: [], warnings: [], live: new Set() }
  const found: SessionState = {
    holdingLock: false,
    loggedIn: new Set(),
    apiVersions: new Map(),
    pending: new Pending(),
  }
  return { found, report }
}

export type DeployTask = ListrTask<DeployContext>
