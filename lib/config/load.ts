import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { ConfigError, DeployError, type LocatedIssue } from '../errors.ts'
import { loadSecrets } from './dotenv.ts'
import { evaluateErb } from './erb.ts'
import { flatten, locate, type SourceDoc } from './issues.ts'
import { normalize } from './normalize.ts'
import { check } from './rules.ts'
import { DeployYml } from './schema.ts'
import type { Config } from './types.ts'

type Env = Readonly<Record<string, string | undefined>>

/** Where to find the config: the project dir, `-c FILE`, `-d DESTINATION`, and the process env. */
export interface LoadOptions {
  readonly cwd: string
  readonly file?: string | undefined
  readonly destination?: string | undefined
  readonly env: Env
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
export function loadConfigSync({ cwd, file, destination, env }: LoadOptions): Config {
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
  return fromSources(sources, { root: cwd, destination, secrets })
}

/** Parses one deploy.yml text (no destination file, no `.env`): for tests and tools. */
export function parseConfig(
  source: string,
  {
    file = 'deploy.yml',
    destination,
    env = {},
    root = '.',
  }: { file?: string; destination?: string | undefined; env?: Env; root?: string } = {},
): Config {
  return fromSources([{ file, text: source }], { root, destination, secrets: env })
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
  opts: { root: string; destination: string | undefined; secrets: Env },
): Config {
  const docs: SourceDoc[] = sources.map(({ file, text }) =>
    parseYaml(file, evaluateErb(text, { file, env: opts.secrets })),
  )
  const base = docs[0]!
  const raw = docs.map((d) => d.doc.toJS() as unknown).reduce(deepMerge)
  const parsed = DeployYml.safeParse(withoutExtensions(raw))
  const fail = (issues: LocatedIssue[]): never => {
    throw new ConfigError(base.file, issues)
  }
  if (!parsed.success) fail(parsed.error.issues.flatMap(flatten).map((i) => locate(docs, i)))
  const yml = parsed.data!
  const { config, issues } = normalize(yml, {
    file: base.file,
    root: opts.root,
    destination: opts.destination,
    secrets: opts.secrets,
  })
  const all = [...check(config, yml, { destination: opts.destination, version: KAMAL_COMPATIBLE_VERSION }), ...issues]
  if (all.length > 0) fail(all.map((i) => locate(docs, i)))
  return config
}

function parseYaml(file: string, text: string): SourceDoc {
  const lines = new LineCounter()
  // merge: true so Kamal-style `<<: *anchor` merge keys work.
  const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: false })
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ path: [], message: e.message.split('\n')[0]!, ...lines.linePos(e.pos[0]) })),
    )
  }
  return { file, doc, lines }
}

/** Kamal's deep merge of a destination file: maps merge recursively; lists and scalars are replaced. */
export function deepMerge(base: unknown, overlay: unknown): unknown {
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
export const KAMAL_COMPATIBLE_VERSION = '1.9.3'

/** slipway's own version (package.json). */
export function slipwayVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version
}
