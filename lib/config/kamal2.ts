import type { ConfigIssue, KeyPath } from '../errors.ts'

// Kamal 2 replaced traefik with kamal-proxy and moved secrets to .kamal/secrets; its configs
// use keys Kamal 1.x never had. Such a file gets one message saying what it is, instead of a
// list of unknown keys.

// slipway's own `proxy:` keys (which front proxy runs); any other key under `proxy:` is Kamal 2's.
const SLIPWAY_PROXY_KEYS = new Set(['kind', 'image', 'host_port', 'app_port', 'host', 'hosts', 'options'])
const KAMAL2_ROOT_KEYS = [
  'aliases',
  'deploy_timeout',
  'drain_timeout',
  'error_pages_path',
  'secrets_path',
  'hooks_output',
]

/** The Kamal 2 keys a raw deploy.yml uses, as key paths (first one first). */
function kamal2Keys(raw: unknown): KeyPath[] {
  if (!isMap(raw)) return []
  const found: KeyPath[] = []
  if (isMap(raw['proxy']))
    for (const key of Object.keys(raw['proxy'])) if (!SLIPWAY_PROXY_KEYS.has(key)) found.push(['proxy', key])
  for (const key of KAMAL2_ROOT_KEYS) if (key in raw) found.push([key])
  const builder = raw['builder']
  if (isMap(builder)) {
    for (const key of ['arch', 'driver'] as const) if (key in builder) found.push(['builder', key])
    if (typeof builder['remote'] === 'string') found.push(['builder', 'remote'])
    if (typeof builder['local'] === 'boolean') found.push(['builder', 'local'])
  }
  if (isMap(raw['servers']))
    for (const [role, value] of Object.entries(raw['servers']))
      if (isMap(value) && 'proxy' in value) found.push(['servers', role, 'proxy'])
  return found
}

/** One issue for a Kamal 2 config, at its first Kamal 2 key; undefined for anything else. */
export function kamal2Error(raw: unknown): ConfigIssue | undefined {
  const keys = kamal2Keys(raw)
  if (keys.length === 0) return undefined
  const named = keys.slice(0, 4).map((k) => k.join('.'))
  return {
    path: keys[0]!,
    message:
      `this is a Kamal 2 config (${named.join(', ')}${keys.length > 4 ? ', ...' : ''}). ` +
      "slipway runs Kamal 1.x configs as Kamal 1.9.3 reads them: traefik (or slipway's caddy) in front, " +
      'secrets from the environment and .env (not .kamal/secrets). See docs/compatibility.md, "Kamal 2 configs"',
  }
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
