import { parseArgs } from 'node:util'
import { DeployError } from '../errors.ts'
import type { Flags } from '../context.ts'
import type { CliCommand, Invocation, OptionSpecs, OptionValues } from './command.ts'

// The one parser of every command's argv: shared flags, the command's own options, its subcommand
// and its positional arguments, each checked here so commands receive typed, valid values.

// prettier-ignore
const SHARED = {
  'config-file': { type: 'string', short: 'c' },
  destination:   { type: 'string', short: 'd' },
  version:       { type: 'string' },
  hosts:         { type: 'string', short: 'h' },
  roles:         { type: 'string', short: 'r' },
  primary:       { type: 'boolean', short: 'p' },
  'skip-hooks':  { type: 'boolean', short: 'H' },
  'skip-push':   { type: 'boolean', short: 'P' },
  verbose:       { type: 'boolean', short: 'v' },
  quiet:         { type: 'boolean', short: 'q' },
  confirmed:     { type: 'boolean', short: 'y' },
  'dry-run':     { type: 'boolean' },
  'lock-wait':   { type: 'string' },
} as const satisfies OptionSpecs

/** How long a bare `--lock-wait` waits for a held lock, in seconds (Kamal 2's default). */
export const LOCK_WAIT_DEFAULT = 900

const HELP = { help: { type: 'boolean' } } as const satisfies OptionSpecs

/** The help text of the flags every command shares. */
export const SHARED_HELP = [
  '  -c, --config-file FILE   config file (default: deploy.yml, else config/deploy.yml)',
  '  -d, --destination NAME   merge deploy.NAME.yml and load .env.NAME',
  '      --version VERSION    run against this app version (default: VERSION env, else git HEAD)',
  '  -h, --hosts LIST         only these hosts (comma list, * wildcards)',
  '  -r, --roles LIST         only these roles (comma list, * wildcards)',
  '  -p, --primary            only the primary host',
  '  -H, --skip-hooks         do not run hooks',
  '  -P, --skip-push          do not build or push; pull the existing image',
  '  -v, --verbose            show every command and its output',
  '  -q, --quiet              only errors',
  '  -y, --confirmed          do not ask before destructive actions',
  '      --dry-run            print every command per host; connect to nothing, change nothing',
  `      --lock-wait[=SECS]   wait for a held deploy lock (default ${LOCK_WAIT_DEFAULT} s) instead of failing`,
]

/** A parsed command line, or a request for help (then nothing else is checked). */
export type Parsed<O extends OptionSpecs> = ({ readonly help: false } & Invocation<O>) | { readonly help: true }

/** Parses and checks `argv` for `command`; every mistake is a DeployError naming it. */
export function parseInvocation<O extends OptionSpecs>(argv: readonly string[], command: CliCommand<O>): Parsed<O> {
  const own: OptionSpecs = command.options ?? {}
  let parsed
  try {
    parsed = parseArgs({
      args: argv.map((arg) => (arg === '--lock-wait' ? `--lock-wait=${LOCK_WAIT_DEFAULT}` : arg)),
      options: { ...(command.sharedFlags === false ? {} : SHARED), ...own, ...HELP },
      allowPositionals: true,
      strict: true,
    })
  } catch (cause) {
    throw new DeployError(`${(cause as Error).message} (see --help)`, { cause })
  }
  const values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>> = parsed.values
  if (values['help'] === true) return { help: true }
  const [subcommand, args] = positionals(command, parsed.positionals)
  return {
    help: false,
    flags: flagsOf(values),
    options: optionValues(own, values) as OptionValues<O>,
    subcommand,
    args,
  }
}

function positionals(command: CliCommand, given: readonly string[]): [string | undefined, readonly string[]] {
  const subs = command.subcommands ? Object.keys(command.subcommands) : undefined
  const [first, ...rest] = given
  if (subs && (first === undefined || !subs.includes(first))) {
    const what = first === undefined ? 'missing subcommand' : `unknown subcommand ${first}`
    throw new DeployError(`${what}: use one of ${subs.join(', ')} (see --help)`)
  }
  const subcommand = subs ? first : undefined
  const args = subs ? rest : given
  const names = (subcommand !== undefined ? command.subcommandArgs?.[subcommand] : undefined) ?? command.args ?? []
  const words = [command.name, subcommand].filter(Boolean).join(' ')
  const required = names.filter((name) => !name.startsWith('['))
  if (args.length < required.length) throw new DeployError(`${words} needs ${required.slice(args.length).join(' ')}`)
  const takesRest = names.at(-1)?.endsWith('...') === true
  if (!takesRest && args.length > names.length) {
    const takes = names.length === 0 ? 'no arguments' : names.map((n) => n.replace(/^\[(.*)\]$/, '$1')).join(' ')
    throw new DeployError(`${words} takes ${takes}, got also: ${args.slice(names.length).join(' ')}`)
  }
  return [subcommand, args]
}

// The one place parsed values meet the declared options: every declared key gets its typed value.
function optionValues(
  specs: OptionSpecs,
  values: Readonly<Record<string, unknown>>,
): Record<string, string | boolean | readonly string[] | undefined> {
  return Object.fromEntries(
    Object.entries(specs).map(([key, spec]) => {
      const value = values[key]
      if (spec.multiple) return [key, Array.isArray(value) ? value.map(String) : []]
      return [key, spec.type === 'boolean' ? value === true : typeof value === 'string' ? value : undefined]
    }),
  )
}

function flagsOf(v: Readonly<Record<string, unknown>>): Flags {
  const text = (key: string): string | undefined => (typeof v[key] === 'string' ? v[key] : undefined)
  const list = (key: string): string[] | undefined =>
    text(key)
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  return {
    configFile: text('config-file'),
    destination: text('destination'),
    version: text('version'),
    hosts: list('hosts'),
    roles: list('roles'),
    primary: v['primary'] === true,
    skipHooks: v['skip-hooks'] === true,
    skipPush: v['skip-push'] === true,
    verbose: v['verbose'] === true,
    quiet: v['quiet'] === true,
    confirmed: v['confirmed'] === true,
    dryRun: v['dry-run'] === true,
    lockWait: wholeNumber('--lock-wait', text('lock-wait')),
  }
}

/** Checks a `--lines`-like value: a whole number, or absent. */
export function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new DeployError(`${flag} must be a whole number, got ${value}`)
  return Number(value)
}
