import type { DeployTask, Flags } from '../context.ts'

// A command as data: its word, its own options and positional arguments, and what it runs. One
// parser (parse.ts) reads every command's argv from this, so option values arrive typed and a
// subcommand or a positional is checked in one place.

/** One option in node:util `parseArgs` form. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  /** Repeatable: the value is every occurrence, in order. */
  readonly multiple?: boolean
}

/** A command's own options by long name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>

/** The parsed values of `O`: strings may be absent, booleans are false when absent, repeatables are lists. */
export type OptionValues<O extends OptionSpecs> = {
  readonly [K in keyof O]: O[K] extends { readonly multiple: true }
    ? readonly string[]
    : O[K]['type'] extends 'boolean'
      ? boolean
      : string | undefined
}

/** What a command receives: the shared flags, its own options and its positional arguments. */
export interface Invocation<O extends OptionSpecs = OptionSpecs> {
  readonly flags: Flags
  readonly options: OptionValues<O>
  /** The subcommand (`app logs` → `logs`), when the command has subcommands. */
  readonly subcommand: string | undefined
  /** Positional arguments after the subcommand, as many as `args` names (optional ones may be absent). */
  readonly args: readonly string[]
}

/** Where a command that runs no task tree reads and writes (`init`, `config`). */
export interface CommandIo {
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** What the command reports (stdout). */
  readonly out: (text: string) => void
  /** Progress, warnings and errors, one line each (stderr). */
  readonly write: (line: string) => void
}

// Method syntax makes the parameter bivariant, so a CliCommand<{ json: … }> is also a CliCommand<OptionSpecs>
// and one registry can hold every command (a plain function type would be contravariant).
type Handler<O extends OptionSpecs, R> = { handle(invocation: Invocation<O>): R }['handle']

interface CommandBase<O extends OptionSpecs> {
  /** The word (`deploy`, `app`, ...): Kamal's KAMAL_COMMAND, and how `slipway <word>` finds it. */
  readonly name: string
  readonly options?: O
  /** Help lines of `options`, in the shared flags' layout. */
  readonly help?: readonly string[]
  /**
   * Positional names after the subcommand, `[NAME]` when optional: `['NAME']`, `['[VERSION]']`; a
   * last name ending in `...` takes every remaining word (`['NAME', 'CMD...']`).
   */
  readonly args?: readonly string[]
  /** The positional names of the subcommands that take others than `args` (`{ exec: ['CMD...'] }`). */
  readonly subcommandArgs?: Readonly<Record<string, readonly string[]>>
  /** Whether the shared flags (-c, -d, --hosts, ...) apply; `init` has no config to read. @default true */
  readonly sharedFlags?: boolean
}

/** A command that runs a task tree against the config: a recipe, or one recipe per subcommand. */
export interface RecipeCommand<O extends OptionSpecs = OptionSpecs> extends CommandBase<O> {
  readonly recipe?: Handler<O, DeployTask[]>
  /** One recipe per subcommand: the first positional picks it (`app logs`). */
  readonly subcommands?: Readonly<Record<string, Handler<O, DeployTask[]>>>
  /** A destructive command's question, asked before anything runs unless -y (refused without a terminal). */
  readonly confirm?: Handler<O, string | undefined>
  /** The app version this run acts on, when not `--version`/VERSION/git HEAD (rollback's positional). */
  readonly version?: Handler<O, string | undefined>
  /** Whether this invocation hands the local terminal to a remote program (`exec -i`): refused when stdin is none. */
  readonly interactive?: Handler<O, boolean>
  readonly run?: undefined
}

/** A command that needs no servers and no task tree: it runs and reports. */
export interface LocalCommand<O extends OptionSpecs = OptionSpecs> extends CommandBase<O> {
  run(invocation: Invocation<O>, io: CommandIo): Promise<void>
  readonly recipe?: undefined
  readonly subcommands?: undefined
}

export type CliCommand<O extends OptionSpecs = OptionSpecs> = RecipeCommand<O> | LocalCommand<O>

/** Identity, for inference: `defineCommand({ options: { json: { type: 'boolean' } }, ... })` types `options.json`. */
export function defineCommand<const O extends OptionSpecs = Record<never, never>>(
  command: RecipeCommand<O>,
): RecipeCommand<O>
export function defineCommand<const O extends OptionSpecs = Record<never, never>>(
  command: LocalCommand<O>,
): LocalCommand<O>
export function defineCommand(command: CliCommand): CliCommand {
  return command
}

/** The steps a recipe command runs for an invocation (the subcommand's, if it has subcommands). */
export function stepsFor<O extends OptionSpecs>(command: RecipeCommand<O>, invocation: Invocation<O>): DeployTask[] {
  const steps = invocation.subcommand === undefined ? command.recipe : command.subcommands?.[invocation.subcommand]
  if (!steps) throw new Error(`${command.name} ${invocation.subcommand ?? ''}: no recipe`)
  return steps(invocation)
}
