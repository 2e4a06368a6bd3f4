import { ConfigError, type KeyPath } from '../errors.ts'
import type { Config, MissingSecret } from './types.ts'

// Kamal reads a secret when a command uses it (the registry password at login, env secrets when
// the env file is written), so `kamal config` works without them. slipway does the same, and
// checks up front what a run will use, so a run stops before changing anything, naming every
// missing secret at once.

/** What a secret is for: the registry login, the app's env, the proxy's env, or one accessory's env. */
export type SecretScope = 'registry' | 'app' | 'proxy' | `accessory:${string}`

/** The scope of a secret from the key that names it. */
export function secretScope(path: KeyPath): SecretScope {
  if (path[0] === 'registry') return 'registry'
  if (path[0] === 'traefik') return 'proxy'
  if (path[0] === 'accessories') return `accessory:${String(path[1])}`
  return 'app'
}

/** The missing secrets a run needs; `accessory:all` stands for every accessory. */
export function missingFor(config: Config, scopes: readonly SecretScope[]): readonly MissingSecret[] {
  const wanted = (scope: string): boolean =>
    scopes.includes(scope as SecretScope) || (scope.startsWith('accessory:') && scopes.includes('accessory:all'))
  return (config.missingSecrets ?? []).filter((m) => wanted(m.scope))
}

/** Throws one ConfigError listing every missing secret of these scopes, each where the config names it. */
export function requireSecrets(config: Config, scopes: readonly SecretScope[]): void {
  const missing = missingFor(config, scopes)
  if (missing.length === 0) return
  throw new ConfigError(
    config.file,
    missing.map((m) => ({
      file: m.file,
      line: m.line,
      col: m.col,
      path: [m.key],
      message: `secret ${m.name} is not set (environment or .env)`,
    })),
  )
}
