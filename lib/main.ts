import { setMaxListeners } from 'node:events'
import { userInfo } from 'node:os'
import { Listr, ListrLogger, PRESET_TIMESTAMP, ProcessOutput } from 'listr2'
import type { DeployContext, DeployTask, Flags, Found } from './context.ts'
import { DeployError } from './errors.ts'
import { parseFlags, SHARED_HELP, type ExtraFlags } from './cli/flags.ts'
import { loadConfig } from './config/load.ts'
import { select } from './config/selection.ts'
import { resolveVersion } from './build/version.ts'
import { sshPool } from './exec/ssh.ts'
import { localExecutor } from './exec/local.ts'
import { recorder } from './exec/recorder.ts'
import { cmd } from './shell/command.ts'
import type { Executor } from './exec/executor.ts'

/** What an entry script runs: a recipe built from the parsed flags, under a Kamal-style command name. */
export interface EntryOptions extends ExtraFlags {
  /** KAMAL_COMMAND / SLIPWAY_COMMAND, e.g. `deploy`. */
  readonly command: string
  /** Usage line shown by --help, e.g. `tasks/app.ts boot|stop|logs [flags]`. */
  readonly usage?: string
  /** Subcommand from the first positional argument (e.g. `app boot` → `boot`). */
  readonly subcommands?: readonly string[]
  /**
   * The version this entry runs against when it is not `--version` (e.g. `rollback VERSION`'s
   * positional). Returning undefined falls back to `--version`, VERSION, then git HEAD.
   */
  readonly version?: (flags: Flags) => string | undefined
}

/** Options of `run()`, for programmatic use and tests. */
export interface RunOptions {
  readonly argv?: readonly string[]
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  /** Output for dry-run lines, summaries and errors (default: stderr, one line each). */
  readonly write?: (line: string) => void
  /** Output for what read-only commands report (default: stdout). */
  readonly out?: (text: string) => void
  readonly renderer?: 'default' | 'simple' | 'verbose' | 'silent' | 'test'
  /** Called after the run with SSH connection and command counts (the benchmark reads these). */
  readonly onStats?: (stats: { connections: number; commands: Record<string, number> }) => void
}

/** The shared entrypoint: flags → config → context → listr2 tree → exit code. Never throws. */
export async function main(recipe: (flags: Flags) => DeployTask[], options: EntryOptions): Promise<void> {
  process.exitCode = await run(recipe, options)
}

/** Like main() but returns the exit code: 0 on success, 1 on failure, 130 when cancelled. */
export async function run(
  recipe: (flags: Flags) => DeployTask[],
  entry: EntryOptions,
  opts: RunOptions = {},
): Promise<number> {
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`))
  const cwd = opts.cwd ?? process.cwd()
  const env = opts.env ?? process.env
  const controller = new AbortController()
  // Every command in flight listens to the run's one signal; a 10-host deploy has more than Node's default 10.
  setMaxListeners(0, controller.signal)
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130)
    write('Cancelling: no new work starts; running hosts clean up (press Ctrl-C again to quit at once)')
    controller.abort()
  }
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
  let close = async (): Promise<void> => {}
  // What the run found is printed whether it succeeded or not: a host that answered is shown even
  // when another failed, and a warning (uncommitted changes, …) matters most when something broke.
  let found: Found | undefined
  const out = opts.out ?? ((text: string) => process.stdout.write(text))
  const printFound = (): void => {
    for (const warning of found?.warnings ?? []) write(`warning: ${warning}`)
    if (found?.report.length) out(`${found.report.join('\n')}\n`)
  }
  try {
    const flags = parseFlags(opts.argv ?? process.argv.slice(2), entry)
    if (flags.help) {
      write(usage(entry))
      return 0
    }
    const config = await loadConfig({ cwd, file: flags.configFile, destination: flags.destination, env })
    const selection = select(config, { hosts: flags.hosts, roles: flags.roles, primary: flags.primary })
    const dry = flags.dryRun ? recorder({ reply: () => DRY_RUN_REPLY }) : undefined
    const realLocal = localExecutor({ cwd: config.root, env: stringsOf(env) })
    const local: Executor = dry ? dry.executor('localhost') : realLocal
    // SLIPWAY_KNOWN_HOSTS points host-key checks at another file (the sandbox keeps its own).
    const pool = dry
      ? undefined
      : sshPool({ ...config.ssh, knownHostsFile: env['SLIPWAY_KNOWN_HOSTS'] }, { signal: controller.signal })
    close = async () => {
      if (pool) opts.onStats?.(pool.stats())
      await pool?.close()
    }
    const version = await resolveVersion({
      cwd: config.root,
      flag: entry.version?.(flags) ?? flags.version,
      env,
      config,
      local: realLocal,
    })
    const ctx: DeployContext = {
      config,
      version,
      command: entry.command,
      subcommand: entry.subcommands ? flags.args[0] : undefined,
      flags,
      selection,
      local,
      remote: dry ? dry.executor : pool!.executor,
      signal: controller.signal,
      startedAt: Date.now(),
      performer: await performer(realLocal),
      found: (found = { holdingLock: false, loggedIn: new Set(), warnings: [], report: [] }),
    }
    const renderer = opts.renderer ?? (flags.dryRun || flags.quiet ? 'silent' : flags.verbose ? 'verbose' : 'default')
    // Progress goes to stderr, so stdout carries only what commands report (details, logs, status).
    const processOutput = new ProcessOutput(process.stderr, process.stderr)
    // The timestamp lives in the logger itself: listr2 adds a renderer's `timestamp` option to the
    // logger it is given once per (sub)renderer, so a shared logger would repeat it per level.
    const logger = new ListrLogger({ processOutput, fields: { prefix: [PRESET_TIMESTAMP] } })
    try {
      await new Listr(recipe(flags), {
        ctx,
        renderer,
        fallbackRenderer: 'verbose',
        fallbackRendererOptions: { logTitleChange: true, logger },
        rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true, logger },
        registerSignalListeners: false,
        exitOnError: true,
      }).run()
    } finally {
      if (dry) for (const line of dry.log) write(line)
    }
    printFound()
    return 0
  } catch (error) {
    printFound()
    if (controller.signal.aborted) {
      write(`cancelled${error instanceof Error ? `: ${error.message}` : ''}`)
      return 130
    }
    write(error instanceof DeployError ? `error: ${error.message}` : String((error as Error)?.stack ?? error))
    return 1
  } finally {
    await close()
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
  }
}

const stringsOf = (env: NodeJS.ProcessEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'))

// A dry run answers every command with success and a neutral reply: no current container, home at ~.
const DRY_RUN_REPLY = { stdout: 'home=~\ncurrent=\ncurrent_version=\n' }

function usage(entry: EntryOptions): string {
  return [
    `usage: npx tsx ${entry.usage ?? `tasks/${entry.command}.ts [flags]`}`,
    '',
    'flags:',
    ...(entry.help ?? []),
    ...SHARED_HELP,
  ].join('\n')
}

// Kamal's performer: the git user, else the OS user.
async function performer(local: Executor): Promise<string> {
  const name = await local.run(cmd('git', 'config', 'user.name'), { allowFailure: true }).catch(() => undefined)
  return name?.stdout.trim() || userInfo().username
}
