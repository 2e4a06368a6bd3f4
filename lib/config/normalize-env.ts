import type { KeyPath } from '../errors.ts'
import { Secret } from '../shell/command.ts'
import type { EnvYml } from './schema.ts'
import type { Env } from './types.ts'

/** Where secret values come from while normalising, and which named secrets are not set. */
export interface Resolve {
  /** process env overlaid by `.env` and `.env.<destination>` (see dotenv.ts). */
  readonly secrets: Readonly<Record<string, string | undefined>>
  /** Secrets the config names that have no value: fatal only to a run that uses them. */
  readonly missing: { readonly name: string; readonly path: KeyPath }[]
}

/**
 * The value of a secret named in the config. A missing one is recorded (with the key that names
 * it) and stands in as an empty Secret: printing the config needs no secret, as in Kamal; a run
 * that uses it stops first (see requireSecrets).
 */
export function secretValue(resolve: Resolve, name: string, path: KeyPath): Secret {
  const value = resolve.secrets[name]
  if (value === undefined) {
    resolve.missing.push({ name, path })
    return new Secret('')
  }
  return new Secret(value)
}

/** An empty env. */
const EMPTY_ENV: Env = Object.freeze({ clear: Object.freeze({}), secret: Object.freeze({}) })

/** `env:` as written → clear values and resolved secrets (tags are handled by the root). */
export function normalizeEnv(yml: EnvYml | undefined, resolve: Resolve, path: KeyPath): Env {
  if (yml === undefined) return EMPTY_ENV
  if (!isStructured(yml)) return { clear: { ...(yml as Record<string, string>) }, secret: {} }
  const secret: Record<string, Secret> = {}
  ;(yml.secret ?? []).forEach((name, i) => {
    secret[name] = secretValue(resolve, name, [...path, 'secret', i])
  })
  return { clear: { ...(yml.clear ?? {}) }, secret }
}

/** `env.tags:` → tag name → env. */
export function normalizeTags(yml: EnvYml | undefined, resolve: Resolve): Record<string, Env> {
  if (yml === undefined || !isStructured(yml)) return {}
  return Object.fromEntries(
    Object.entries(yml.tags ?? {}).map(([tag, env]) => [tag, normalizeEnv(env, resolve, ['env', 'tags', tag])]),
  )
}

/** Later envs win: clear values and secrets are merged key by key (Kamal's Env#merge). */
export function mergeEnv(...envs: readonly Env[]): Env {
  return {
    clear: Object.assign({}, ...envs.map((e) => e.clear)),
    secret: Object.assign({}, ...envs.map((e) => e.secret)),
  }
}

type Structured = {
  readonly clear?: Readonly<Record<string, string>> | undefined
  readonly secret?: readonly string[] | undefined
  readonly tags?: Readonly<Record<string, EnvYml>> | undefined
}

// Kamal treats an env with `clear`, `secret` or `tags` as the structured form; the schema
// forbids those names as plain variables, so the keys alone decide.
function isStructured(yml: EnvYml): yml is EnvYml & Structured {
  return 'clear' in yml || 'secret' in yml || 'tags' in yml || Object.keys(yml).length === 0
}
