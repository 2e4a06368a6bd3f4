import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { ConfigError, DeployError, formatPath, type LocatedIssue } from '../errors.ts'
import { loadSecrets } from './dotenv.ts'
import { renderErb } from './erb.ts'
import { flatten, locate } from './issues.ts'
import { kamal2Error } from './kamal2.ts'
import { deepFreeze, normalize } from './normalize.ts'
import { secretScope } from './secrets.ts'
import { check } from './rules.ts'
import { DeployYml } from './schema.ts'
import type { Config, MissingSecret } from './types.ts'
import { identityMap } from './source-map.ts'
import { readYaml } from './yaml.ts'

type Env = Readonly<Record<string, string | undefined>>

/** Where to find the config: the project dir, `-c FILE`, `-d DESTINATION`, and the process env. */
export interface LoadOptions {
  readonly cwd: string
  readonly file?: string | undefined
  readonly destination?: string | undefined
  readonly env: Env
  /**
   * Told what Kamal would have done silently (a duplicate key, Ruby's ERB used for a tag).
   * Default: a `warning: ...` line on stderr.
   */
  readonly warn?: ((message: string) => void) | undefined
}

/**
 * Reads `deploy.yml` (else `config/deploy.yml`, or `-c FILE`), deep-merges `deploy.<dest>.yml`,
 * evaluates ERB with the env overlaid by `.env` / `.env.<dest>`, validates and resolves it.
 * Every user mistake is a ConfigError (`file:line:col key: message` lines) or a DeployError.
 */
export async function loadConfig(options: LoadOptions): Promise<Config> {
  return loadConfigSync(options)
}

/** loadConfig without the promise. */
export function loadConfigSync({ cwd, file, destination, env, warn = warnOnStderr }: LoadOptions): Config {
  const base = findConfigFile(cwd, file)
  const secrets = loadSecrets(cwd, destination, env)
  const files = [base]
  if (destination) {
    const overlay = base.replace(/(\.ya?ml)?$/, (ext) => `.${destination}${ext || '.yml'}`)
    if (!existsSync(overlay))
      throw new DeployError(`configuration file not found: ${show(cwd, overlay)} (for -d ${destination})`)
    files.push(overlay)
  }
  const sources = files.map((path) => ({ file: show(cwd, path), text: readFileSync(path, 'utf8') }))
  return fromSources(sources, {
    root: cwd,
    destination,
    secrets,
    warn,
    keyExists: (key) => existsSync(keyPath(cwd, key)),
  })
}

// Where ssh reads a key from: `~` is the user's home, a relative path is the project's.
const keyPath = (cwd: string, key: string): string =>
  key === '~' || key.startsWith('~/') ? join(homedir(), key.slice(1)) : resolve(cwd, key)

const warnOnStderr = (message: string): void => void process.stderr.write(`warning: ${message}\n`)

/** Parses one deploy.yml text (no destination file, no `.env`): for tests and tools. */
export function parseConfig(
  source: string,
  {
    file = 'deploy.yml',
    destination,
    env = {},
    root = '.',
    warn = () => {},
  }: {
    file?: string
    destination?: string | undefined
    env?: Env
    root?: string
    warn?: (message: string) => void
  } = {},
): Config {
  return fromSources([{ file, text: source }], { root, destination, secrets: env, warn })
}

function findConfigFile(cwd: string, file: string | undefined): string {
  if (file !== undefined) {
    const path = isAbsolute(file) ? file : resolve(cwd, file)
    if (!existsSync(path)) throw new DeployError(`configuration file not found: ${file}`)
    return path
  }
  const found = ['deploy.yml', 'config/deploy.yml'].map((f) => resolve(cwd, f)).find((p) => existsSync(p))
  if (!found) throw new DeployError(`no deploy.yml or config/deploy.yml in ${cwd} (use -c FILE)`)
  return found
}

const show = (cwd: string, path: string): string => {
  const rel = relative(cwd, path)
  return rel.startsWith('..') ? path : rel
}

// Base first, destination overlay second: the order locate() and the merge rely on.
function fromSources(
  sources: { file: string; text: string }[],
  opts: {
    root: string
    destination: string | undefined
    secrets: Env
    warn: (message: string) => void
    /** Whether an `ssh.keys` file is there (loadConfig checks; parseConfig has no files to look at). */
    keyExists?: (key: string) => boolean
  },
): Config {
  const read = sources.map(({ file, text }) => {
    const rendered = kamal2First(file, text, () => renderErb(text, { file, env: opts.secrets, root: opts.root }))
    const yaml = readYaml(file, rendered.text, rendered.map)
    for (const warning of [...rendered.warnings, ...yaml.warnings]) opts.warn(warning)
    return yaml
  })
  const docs = read.map((r) => r.source)
  const base = docs[0]!
  const raw = read.map((r) => r.value).reduce(deepMerge)
  const fail = (issues: LocatedIssue[]): never => {
    throw new ConfigError(
      base.file,
      issues.map((i) => withErbHint(i, sources)),
    )
  }
  // An empty file (or one of comments only) is not a map with missing keys: say what it is.
  const empty = read.findIndex((r) => r.value === null || r.value === undefined)
  if (empty >= 0)
    throw new ConfigError(docs[empty]!.file, [
      {
        path: [],
        line: 1,
        col: 1,
        message: 'the file is empty: a deploy.yml needs at least service, image, servers and registry',
      },
    ])
  const kamal2 = kamal2Error(raw)
  if (kamal2) fail([locate(docs, kamal2)])
  const parsed = DeployYml.safeParse(withoutExtensions(raw))
  if (!parsed.success) fail(parsed.error.issues.flatMap((i) => flatten(i, raw)).map((i) => locate(docs, i)))
  const yml = parsed.data!
  const { config, missing } = normalize(yml, {
    file: base.file,
    root: opts.root,
    destination: opts.destination,
    secrets: opts.secrets,
    written: raw,
  })
  const issues = check(config, yml, { destination: opts.destination, version: KAMAL_COMPATIBLE_VERSION })
  // A missing key would fail every connection later, once per host: say so here, where it is written.
  for (const [i, key] of config.ssh.keys.entries())
    if (opts.keyExists && !opts.keyExists(key))
      issues.push({ path: ['ssh', 'keys', i], message: `no such key file: ${key}` })
  if (issues.length > 0) fail(issues.map((i) => locate(docs, i)))
  const missingSecrets = missing.map(({ name, path }): MissingSecret => {
    const at = locate(docs, { path, message: '' })
    return { name, scope: secretScope(path), file: at.file, line: at.line, col: at.col, key: formatPath(path) }
  })
  return deepFreeze({ ...config, missingSecrets })
}

// A Kamal 2 file often fails in ERB first (its secrets live elsewhere): say what it is instead.
function kamal2First<T>(file: string, text: string, render: () => T): T {
  try {
    return render()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    let unrendered: ReturnType<typeof readYaml>
    try {
      unrendered = readYaml(file, text, identityMap(text))
    } catch {
      throw error
    }
    const kamal2 = kamal2Error(unrendered.value)
    if (kamal2) throw new ConfigError(file, [locate([unrendered.source], kamal2)])
    throw error
  }
}

// "found nothing" where an ERB tag stood: the tag produced no text.
function withErbHint(issue: LocatedIssue, sources: readonly { file: string; text: string }[]): LocatedIssue {
  if (!issue.message.endsWith('found nothing') || issue.line === undefined) return issue
  const text = sources.find((s) => s.file === issue.file)?.text
  const line = text?.split('\n')[issue.line - 1] ?? ''
  if (!line.includes('<%=')) return issue
  return { ...issue, message: `${issue.message} (the ERB tag on this line produced no text: is its variable set?)` }
}

/** Kamal's deep merge of a destination file: maps merge recursively; lists and scalars are replaced. */
function deepMerge(base: unknown, overlay: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overlay)) return overlay === undefined ? base : overlay
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(overlay)) out[k] = k in base ? deepMerge(base[k], v) : v
  return out
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

// Root `x-*` keys only hold YAML anchors (Kamal 1.7+); they are not config.
const withoutExtensions = (raw: unknown): unknown =>
  isPlainObject(raw) ? Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('x-'))) : raw

/**
 * `minimum_version` in a Kamal config names a Kamal version; slipway reads Kamal 1.x configs as
 * Kamal 1.9.3 does, so that is the version such a config is checked against.
 */
const KAMAL_COMPATIBLE_VERSION = '1.9.3'
