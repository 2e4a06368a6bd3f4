import { userInfo } from 'node:os'
import { relative } from 'node:path'
import { newRunState, type DeployContext, type DeployTask, type RunReport } from './context.ts'
import { DeployError } from './errors.ts'
import {
  stepsFor,
  type CliCommand,
  type CommandIo,
  type Invocation,
  type OptionSpecs,
  type RecipeCommand,
} from './cli/command.ts'
import { parseInvocation } from './cli/flags.ts'
import { usage } from './cli/usage.ts'
import { loadSecrets } from './config/dotenv.ts'
import { loadConfig } from './config/load.ts'
import { select } from './config/selection.ts'
import { resolveVersion } from './build/version.ts'
import { gitIdentity } from './build/repo.ts'
import { localExecutor } from './exec/local.ts'
import { recorder } from './exec/recorder.ts'
import type { Secret } from './shell/command.ts'
import { scrub } from './exec/output.ts'
import type { Executor } from './exec/executor.ts'
import { knownSecrets, LOG_DIR, LOGS_KEPT, openRunLog, type RunLog } from './run/run-log.ts'
import { wrapToWidth } from './run/wrap.ts'
import type { RendererName } from './run/terminal.ts'
import { outcomeLine } from './run/summary.ts'
import { confirm } from './run/confirm.ts'
import { relayed } from './run/relay.ts'
import { cancellation, type Cancellation } from './run/signals.ts'
import type { Handover } from './run/handover.ts'
import { isTerminal, withRawTerminal, type LocalStreams } from './run/local-terminal.ts'
import { lazily } from './run/lazy.ts'

/** Options of `run()`, for programmatic use and tests. */
export interface RunOptions {
  readonly argv?: readonly string[]
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  /** How the command was started, shown by --help: `slipway app`. Default: `npx tsx <the script>`. */
  readonly program?: string
  /** Output for dry-run lines, summaries and errors (default: stderr, one line each). */
  readonly write?: (line: string) => void
  /** Output for what read-only commands report (default: stdout). */
  readonly out?: (text: string) => void
  readonly renderer?: RendererName
  /** The terminal an interactive command lends to the remote program. @default process.stdin, process.stdout */
  readonly terminal?: LocalStreams
  /** Called after the run with SSH connection and command counts (the benchmark reads these). */
  readonly onStats?: (stats: { connections: number; commands: Record<string, number> }) => void
}

/** The shared entrypoint: argv → command → exit code. Never throws. */
export async function main<const O extends OptionSpecs>(
  command: CliCommand<O>,
  options: RunOptions = {},
): Promise<void> {
  // Under tsx's CLI the run happens one process further down, out of reach of tsx's SIGKILL (relay.ts).
  process.exitCode = await (relayed() ?? run(command, options))
}

/**
 * Like main() but returns the exit code: 0 on success, 1 on failure, 130 when cancelled. A recipe
 * command runs as: parse → open the session (run log, config, hosts, executors, version) → the task
 * tree → what it found; a local command (init, config) runs on its own after the parse.
 */
export async function run<const O extends OptionSpecs>(command: CliCommand<O>, opts: RunOptions = {}): Promise<number> {
  const started = Date.now()
  const argv = opts.argv ?? process.argv.slice(2)
  const io = runIo(opts)
  const cancel = cancellation(io.write)
  let session: Session | undefined
  try {
    const parsed = parseInvocation(argv, command)
    if (parsed.help) {
      io.out(`${usage(command, opts.program ?? scriptProgram(io.cwd))}${command.run ? '' : LOG_HELP}\n`)
      return 0
    }
    if (command.run) {
      await command.run(parsed, io)
      return 0
    }
    const terminal = opts.terminal ?? { stdin: process.stdin, stdout: process.stdout }
    if (command.interactive?.(parsed) && !parsed.flags.dryRun && !isTerminal(terminal)) {
      const words = [command.name, parsed.subcommand].filter(Boolean).join(' ')
      throw new DeployError(
        `${words} -i needs a terminal, and stdin is not one: run it from a terminal, or without -i to run the command on every selected host`,
      )
    }
    const question = parsed.flags.confirmed || parsed.flags.dryRun ? undefined : command.confirm?.(parsed)
    if (question !== undefined && !(await confirm(question, { input: process.stdin, output: process.stderr }))) {
      io.write('Aborted')
      return 1
    }
    const log = (io.log = openRunLog(io.cwd, [command.name, parsed.subcommand].filter(Boolean).join('-')))
    log.line(`slipway ${command.name} ${argv.join(' ')} (in ${io.cwd})`)
    session = await openSession(command, parsed, { ...io, log }, cancel.signal, opts)
    const { ctx } = session
    cancel.onQuit = () => quitNotes(ctx)
    await runTree(stepsFor(command, parsed), session, io, opts)
    printReport(session.ctx.report, io)
    const { handover } = session.ctx.found
    const code = handover ? await handOver(handover, io, cancel, terminal) : 0
    const outcome = outcomeLine(session.ctx, (Date.now() - started) / 1000)
    if (outcome) io.write(outcome)
    log.line(`finished in ${Date.now() - started} ms (exit ${code})`)
    // A cancel that came too late to stop anything (during the tag, which always finishes): the
    // outcome above holds, and what was skipped is said once more. (A followed log ends on Ctrl-C.)
    if (cancel.signal.aborted && !handover) {
      io.write('cancelled: the steps already running finished; the ones after them (prune, hooks) were skipped')
      return 130
    }
    return code
  } catch (error) {
    // What the run found is printed whether it succeeded or not: a host that answered is shown even
    // when another failed, and a warning (uncommitted changes, …) matters most when something broke.
    if (session) printReport(session.ctx.report, io)
    return failure(error, cancel.signal, io)
  } finally {
    await session?.close()
    cancel.dispose()
  }
}

/** Where a run writes: every line also goes to its run log once open, and known secrets are scrubbed. */
interface RunIo extends CommandIo {
  readonly env: NodeJS.ProcessEnv
  /** A line on stderr that is not logged (the log's own path). */
  readonly print: (line: string) => void
  /** Values scrubbed from everything shown: the config's secrets, once loaded. */
  readonly secrets: Secret[]
  log: RunLog | undefined
}

function runIo(opts: RunOptions): RunIo {
  const secrets: Secret[] = []
  // On a terminal, long lines break between words, as the tree above them does.
  const stderr =
    opts.write ?? ((line: string) => process.stderr.write(`${wrapToWidth(line, process.stderr.columns)}\n`))
  const stdout = opts.out ?? ((text: string) => process.stdout.write(text))
  const io: RunIo = {
    cwd: opts.cwd ?? process.cwd(),
    env: opts.env ?? process.env,
    secrets,
    log: undefined,
    print: (line) => stderr(scrub(line, secrets)),
    write: (line) => {
      io.log?.line(line)
      io.print(line)
    },
    out: (text) => {
      io.log?.line(text.trimEnd())
      stdout(scrub(text, secrets))
    },
  }
  return io
}

// `npx tsx tasks/deploy.ts`, as the user typed it (relative to where they are).
const scriptProgram = (cwd: string): string => `npx tsx ${relative(cwd, process.argv[1] ?? 'tasks/script.ts')}`

const LOG_HELP = [
  '',
  `Every run writes its full log (each command per host, its output and exit code, secrets redacted)`,
  `to ${LOG_DIR}/ under the app's directory; the last ${LOGS_KEPT} are kept. NO_COLOR=1 turns colours off.`,
].join('\n')

// What a second Ctrl-C leaves behind that the user must clean up.
const quitNotes = (ctx: DeployContext): string[] =>
  ctx.found.holdingLock
    ? [
        `quit at once: the deploy lock on ${ctx.selection.primaryHost} is still held; release it with \`slipway lock release\``,
      ]
    : []

/** Runs what the tree left to do with the terminal, once the tree has stopped drawing. */
function handOver(handover: Handover, io: RunIo, cancel: Cancellation, terminal: LocalStreams): Promise<number> {
  return handover({
    out: io.out,
    write: io.write,
    signal: cancel.signal,
    expectInterrupt: cancel.expectInterrupt,
    withTerminal: (use) => withRawTerminal(terminal, io.env, use),
  })
}

/** One run's context, the dry run's record, and how to close the connections. */
interface Session {
  readonly ctx: DeployContext
  readonly dryRun: readonly string[] | undefined
  close(): Promise<void>
}

/** Config, selection, executors and version: everything the tasks need, before any task runs. */
async function openSession(
  command: RecipeCommand,
  invocation: Invocation,
  { log, cwd, secrets, ...io }: RunIo & { log: RunLog },
  signal: AbortSignal,
  opts: RunOptions,
): Promise<Session> {
  const { flags } = invocation
  // Kamal's convention: `.env` (and `.env.<destination>`) hold this project's values, over the process env.
  const env = loadSecrets(cwd, flags.destination, io.env)
  const config = await loadConfig({ cwd, file: flags.configFile, destination: flags.destination, env })
  secrets.push(...knownSecrets(config, env))
  log.redact(secrets)
  const selection = select(config, { hosts: flags.hosts, roles: flags.roles, primary: flags.primary })
  const dry = flags.dryRun ? recorder({ reply: () => DRY_RUN_REPLY }) : undefined
  const realLocal = localExecutor({ cwd: config.root, env: stringsOf(env) })
  // ssh2 loads only for runs that connect (not for --dry-run, init or config).
  const pool = dry
    ? undefined
    : (
        await lazily(
          () => import('./exec/ssh.ts'),
          () => require('./exec/ssh.js'),
        )
      ).sshPool(
        // SLIPWAY_KNOWN_HOSTS points host-key checks at another file (the sandbox keeps its own).
        { ...config.ssh, knownHostsFile: env['SLIPWAY_KNOWN_HOSTS'] },
        { signal },
      )
  const close = async (): Promise<void> => {
    if (pool) opts.onStats?.(pool.stats())
    await pool?.close()
  }
  try {
    // Both ask git; one process each, side by side (a process start is most of what they cost).
    const [{ version, checkout }, who] = await Promise.all([
      resolveVersion({
        cwd: config.root,
        flag: command.version?.(invocation) ?? flags.version,
        env,
        config,
        local: realLocal,
      }),
      performers(realLocal, config.root),
    ])
    const ctx: DeployContext = {
      config,
      version,
      command: command.name,
      subcommand: invocation.subcommand,
      flags,
      selection,
      local: log.executor(dry ? dry.executor('localhost') : realLocal),
      remote: logged(log, dry ? dry.executor : pool!.executor),
      signal,
      clock: () => new Date(),
      startedAt: Date.now(),
      ...who,
      ...newRunState(),
    }
    ctx.found.checkout = checkout
    return { ctx, dryRun: dry?.log, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** The recipe as one listr2 tree over the session's context; listr2 loads only for runs that draw one. */
async function runTree(steps: DeployTask[], { ctx, dryRun }: Session, io: RunIo, opts: RunOptions): Promise<void> {
  const [{ Listr }, { listrOutput }] = await Promise.all([
    lazily(
      () => import('listr2'),
      () => require('listr2'),
    ),
    lazily(
      () => import('./run/terminal.ts'),
      () => require('./run/terminal.js'),
    ),
  ])
  const output = listrOutput({ ...ctx.flags, renderer: opts.renderer, env: io.env, secrets: io.secrets })
  try {
    await new Listr(steps, { ctx, ...output, registerSignalListeners: false, exitOnError: true })
      .run()
      .catch(async (error: unknown) => {
        // The failure at hand is the one reported; what still runs on the hosts ends first.
        await ctx.found.pending.settle().catch(() => undefined)
        throw error
      })
    // Work a step left running for a later one (a boot's stop of old containers) ends with the run.
    await ctx.found.pending.settle()
  } finally {
    for (const line of dryRun ?? []) io.write(line)
  }
}

/** The run's report: warnings on stderr, then what read-only commands found on stdout. */
function printReport(report: RunReport, io: RunIo): void {
  for (const warning of report.warnings) io.write(`warning: ${warning}`)
  if (report.lines.length) io.out(`${report.lines.join('\n')}\n`)
}

/** The exit code of a failed run, after saying why: a DeployError as one line, anything else with its stack. */
function failure(error: unknown, signal: AbortSignal, io: RunIo): number {
  const where = io.log ? `full log: ${relative(io.cwd, io.log.path)}` : undefined
  if (signal.aborted) {
    io.write(`cancelled${error instanceof Error ? `: ${error.message}` : ''}`)
    if (where) io.print(where)
    return 130
  }
  io.write(error instanceof DeployError ? `error: ${error.message}` : String((error as Error)?.stack ?? error))
  if (where) io.print(where)
  return 1
}

const stringsOf = (env: Readonly<Record<string, string | undefined>>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'))

// A dry run answers every command with success and a neutral reply: no current container, home at ~.
const DRY_RUN_REPLY = { stdout: 'home=~\ncurrent=\ncurrent_version=\n' }

// Kamal's performers: the lock names the git user.name, the audit log the git user.email; else the OS user.
async function performers(local: Executor, dir: string): Promise<{ performer: string; auditPerformer: string }> {
  const { name, email } = await gitIdentity(local, dir).catch(() => ({ name: undefined, email: undefined }))
  return { performer: name ?? userInfo().username, auditPerformer: email ?? userInfo().username }
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
