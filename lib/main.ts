import { setMaxListeners } from 'node:events'
import { userInfo } from 'node:os'
import { relative } from 'node:path'
import { Listr } from 'listr2'
import type { DeployContext, DeployTask, Flags, Found } from './context.ts'
import { DeployError } from './errors.ts'
import { parseFlags, SHARED_HELP, type ExtraFlags } from './cli/flags.ts'
import { loadConfig } from './config/load.ts'
import { select } from './config/selection.ts'
import { resolveVersion } from './build/version.ts'
import { sshPool } from './exec/ssh.ts'
import { localExecutor } from './exec/local.ts'
import { recorder } from './exec/recorder.ts'
import { cmd, type Secret } from './shell/command.ts'
import { scrub } from './exec/output.ts'
import type { Executor } from './exec/executor.ts'
import { LOG_DIR, LOGS_KEPT, openRunLog, secretsIn, type RunLog } from './run/run-log.ts'
import { listrOutput, type RendererName } from './run/terminal.ts'
import { outcomeLine } from './run/summary.ts'

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
  readonly renderer?: RendererName
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
  const started = Date.now()
  const cwd = opts.cwd ?? process.cwd()
  // Everything said on the terminal also goes to the run's log, once it is open.
  let log: RunLog | undefined
  // Known secrets are scrubbed from everything shown, whatever a remote program printed.
  const secrets: Secret[] = []
  const print = (line: string): void =>
    (opts.write ?? ((l: string) => process.stderr.write(`${l}\n`)))(scrub(line, secrets))
  const write = (line: string): void => {
    log?.line(line)
    print(line)
  }
  const env = opts.env ?? process.env
  const controller = new AbortController()
  // Every command in flight listens to the run's one signal; a 10-host deploy has more than Node's default 10.
  setMaxListeners(0, controller.signal)
  let cancelledAt = 0
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      // One Ctrl-C often arrives several times: the terminal signals the whole foreground process
      // group, and npm, npx and tsx each pass it on to their child as well.
      if (Date.now() - cancelledAt < REPEAT_MS) return
      quitNow()
    }
    cancelledAt = Date.now()
    write('Cancelling: no new work starts; running hosts clean up (press Ctrl-C again to quit at once)')
    controller.abort()
  }
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
  let close = async (): Promise<void> => {}
  // What the run found is printed whether it succeeded or not: a host that answered is shown even
  // when another failed, and a warning (uncommitted changes, …) matters most when something broke.
  let found: Found | undefined
  const report = opts.out ?? ((text: string) => process.stdout.write(text))
  const out = (text: string): void => {
    log?.line(text.trimEnd())
    report(scrub(text, secrets))
  }
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
    log = openRunLog(cwd, [entry.command, entry.subcommands ? flags.args[0] : undefined].filter(Boolean).join('-'))
    log.line(`slipway ${entry.command} ${(opts.argv ?? process.argv.slice(2)).join(' ')} (in ${cwd})`)
    const config = await loadConfig({ cwd, file: flags.configFile, destination: flags.destination, env })
    secrets.push(...secretsIn(config).filter((s) => s.value !== ''))
    log.redact(secrets)
    const selection = select(config, { hosts: flags.hosts, roles: flags.roles, primary: flags.primary })
    const dry = flags.dryRun ? recorder({ reply: () => DRY_RUN_REPLY }) : undefined
    const realLocal = localExecutor({ cwd: config.root, env: stringsOf(env) })
    const local: Executor = log.executor(dry ? dry.executor('localhost') : realLocal)
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
      remote: logged(log, dry ? dry.executor : pool!.executor),
      signal: controller.signal,
      startedAt: Date.now(),
      performer: await performer(realLocal),
      found: (found = { holdingLock: false, loggedIn: new Set(), live: new Set(), warnings: [], report: [] }),
    }
    const output = listrOutput({ ...flags, renderer: opts.renderer, env, secrets })
    try {
      await new Listr(recipe(flags), { ctx, ...output, registerSignalListeners: false, exitOnError: true }).run()
    } finally {
      if (dry) for (const line of dry.log) write(line)
    }
    printFound()
    const outcome = outcomeLine(ctx, (Date.now() - started) / 1000)
    if (outcome) write(outcome)
    log.line(`finished in ${Date.now() - started} ms`)
    return 0
  } catch (error) {
    printFound()
    const where = log ? `full log: ${relative(cwd, log.path)}` : undefined
    if (controller.signal.aborted) {
      write(`cancelled${error instanceof Error ? `: ${error.message}` : ''}`)
      if (where) print(where)
      return 130
    }
    write(error instanceof DeployError ? `error: ${error.message}` : String((error as Error)?.stack ?? error))
    if (where) print(where)
    return 1
  } finally {
    await close()
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
  }
}

/** Signals closer together than this are one Ctrl-C, passed on by the processes above this one. */
const REPEAT_MS = 1000

// The second Ctrl-C: leave at once, but with the terminal's cursor (hidden while the tree is drawn) back.
function quitNow(): never {
  if (process.stderr.isTTY) process.stderr.write('\n\x1b[?25h')
  process.exit(130)
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
    '',
    `Every run writes its full log (each command per host, its output and exit code, secrets redacted)`,
    `to ${LOG_DIR}/ under the app's directory; the last ${LOGS_KEPT} are kept. NO_COLOR=1 turns colours off.`,
  ].join('\n')
}

// Kamal's performer: the git user, else the OS user.
async function performer(local: Executor): Promise<string> {
  const name = await local.run(cmd('git', 'config', 'user.name'), { allowFailure: true }).catch(() => undefined)
  return name?.stdout.trim() || userInfo().username
}

/** Each host's executor logged to the run log; one per host, as the pool's. */
function logged(log: RunLog, executor: (host: string) => Executor): (host: string) => Executor {
  const made = new Map<string, Executor>()
  return (host) => {
    const existing = made.get(host)
    if (existing) return existing
    const wrapped = log.executor(executor(host))
    made.set(host, wrapped)
    return wrapped
  }
}
