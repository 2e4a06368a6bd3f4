import { parseArgs, type ParseArgsConfig } from 'node:util'
import { DeployError } from '../errors.ts'
import type { Flags } from '../context.ts'

/** Entry-script specific options, in node:util parseArgs form, plus their help lines. */
export interface ExtraFlags {
  readonly options?: NonNullable<ParseArgsConfig['options']>
  readonly help?: readonly string[]
}

// prettier-ignore
const SHARED = {
  'config-file': { type: 'string', short: 'c' },
  destination:   { type: 'string', short: 'd' },
  version:       { type: 'string' },
  hosts:         { type: 'string', short: 'h' },
  roles:         { type: 'string', short: 'r' },
  primary:       { type: 'boolean', short: 'p', default: false },
  'skip-hooks':  { type: 'boolean', short: 'H', default: false },
  'skip-push':   { type: 'boolean', short: 'P', default: false },
  verbose:       { type: 'boolean', short: 'v', default: false },
  quiet:         { type: 'boolean', short: 'q', default: false },
  confirmed:     { type: 'boolean', short: 'y', default: false },
  'dry-run':     { type: 'boolean', default: false },
  help:          { type: 'boolean', default: false },
} as const

/** The help text of the flags every entry script shares. */
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
  '      --help               this help',
]

/** Parses argv into Flags; `help: true` means print usage and stop. */
export function parseFlags(argv: readonly string[], extra: ExtraFlags = {}): Flags & { readonly help: boolean } {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...SHARED, ...extra.options },
      allowPositionals: true,
      strict: true,
    })
  } catch (cause) {
    throw new DeployError(`${(cause as Error).message} (see --help)`, { cause })
  }
  const v = parsed.values as Record<string, string | boolean | undefined>
  const list = (value: unknown): string[] | undefined =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined
  const sharedKeys = new Set(Object.keys(SHARED))
  return {
    configFile: v['config-file'] as string | undefined,
    destination: v['destination'] as string | undefined,
    version: v['version'] as string | undefined,
    hosts: list(v['hosts']),
    roles: list(v['roles']),
    primary: v['primary'] === true,
    skipHooks: v['skip-hooks'] === true,
    skipPush: v['skip-push'] === true,
    verbose: v['verbose'] === true,
    quiet: v['quiet'] === true,
    confirmed: v['confirmed'] === true,
    dryRun: v['dry-run'] === true,
    help: v['help'] === true,
    args: parsed.positionals,
    extra: Object.fromEntries(Object.entries(v).filter(([k]) => !sharedKeys.has(k))),
  }
}
