import type { KeyPath } from '../errors.ts'
import type { Healthcheck, Logging, Role } from './types.ts'
import { normalizeEnv, type Resolve } from './normalize-env.ts'
import type { DeployYml, RoleObjectYml } from './schema.ts'

/** One host entry as written. */
export type HostEntry = string | Readonly<Record<string, string | readonly string[]>>
type HealthcheckYml = NonNullable<DeployYml['healthcheck']>
type LoggingYml = NonNullable<DeployYml['logging']>

/** Hosts in order and their tags, from `- host`, `- host: tag` and `- host: [t1, t2]`. */
export function parseHosts(entries: readonly HostEntry[]): { hosts: string[]; tags: Record<string, string[]> } {
  const hosts: string[] = []
  const tags: Record<string, string[]> = {}
  for (const entry of entries) {
    if (typeof entry === 'string') {
      hosts.push(entry)
      continue
    }
    // More than one key per entry is reported by rules.ts; all of them are kept here.
    for (const [host, t] of Object.entries(entry)) {
      hosts.push(host)
      tags[host] = typeof t === 'string' ? [t] : [...t]
    }
  }
  return { hosts, tags }
}

/** One role as written, with the key paths of the role and of its host list. */
export interface RoleEntry {
  readonly name: string
  readonly role: RoleObjectYml
  readonly path: KeyPath
  readonly hostsPath: KeyPath
}

/**
 * The roles under `servers:` sorted by name, as Kamal 1.9.3 (`servers.keys.sort`): `roles`,
 * `hosts` and everything listed by role follow that order (boots put the primary role first).
 * A bare host list is role `web`.
 */
export function roleEntries(servers: DeployYml['servers']): RoleEntry[] {
  if (Array.isArray(servers))
    return [{ name: 'web', role: { hosts: servers }, path: ['servers'], hostsPath: ['servers'] }]
  const names = Object.keys(servers).sort(byteOrder)
  return names
    .map((name) => [name, servers[name]!] as const)
    .map(([name, role]) =>
      Array.isArray(role)
        ? { name, role: { hosts: role }, path: ['servers', name], hostsPath: ['servers', name] }
        : { name, role: role as RoleObjectYml, path: ['servers', name], hostsPath: ['servers', name, 'hosts'] },
    )
}

// Ruby compares strings byte by byte; JS's default sort compares UTF-16 units, which differs
// only outside the Basic Multilingual Plane, so compare encoded bytes to be exact.
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b))

/** Kamal's Healthcheck defaults applied to what was written; the URL is joined as Ruby's URI.join (no `:80`). */
export function normalizeHealthcheck(yml: HealthcheckYml): Healthcheck {
  const port = yml.port ?? 3000
  const path = yml.path ?? '/up'
  return {
    cmd: yml.cmd ?? `curl -f ${new URL(path, `http://localhost:${port}`).href} || exit 1`,
    path,
    port,
    interval: yml.interval ?? '1s',
    maxAttempts: yml.max_attempts ?? 7,
    cord: yml.cord ?? '/tmp/kamal-cord',
    logLines: yml.log_lines ?? 50,
  }
}

/** `logging:` merged (role over root); Kamal's `max-size: 10m` only when nothing is set. */
export function normalizeLogging(root: LoggingYml | undefined, role?: LoggingYml): Logging {
  const driver = role?.driver ?? root?.driver
  const options = { ...root?.options, ...role?.options }
  if (driver === undefined && Object.keys(options).length === 0) return { driver, options: { 'max-size': '10m' } }
  return { driver, options }
}

/** One role resolved: proxy flag, healthcheck semantics and the role's own env. */
export function normalizeRole(
  yml: DeployYml,
  name: string,
  role: RoleObjectYml,
  path: KeyPath,
  resolve: Resolve,
): Role {
  const primary = name === (yml.primary_role ?? 'web')
  const proxy = role.traefik ?? primary
  const own = role.healthcheck ?? {}
  // Kamal: proxy roles deep-merge over the root healthcheck and always get health args;
  // other roles use only their own, and get health args only when they chose a check.
  const healthcheck = normalizeHealthcheck(proxy ? { ...yml.healthcheck, ...own } : own)
  const healthArgs = proxy || own.port !== undefined || own.path !== undefined || own.cmd !== undefined
  const { hosts, tags } = parseHosts(role.hosts ?? [])
  return {
    name,
    hosts,
    tags,
    cmd: role.cmd,
    options: { ...role.options },
    labels: { ...role.labels },
    env: normalizeEnv(role.env, resolve, [...path, 'env']),
    proxy,
    healthcheck,
    healthArgs,
    logging: normalizeLogging(yml.logging, role.logging),
    assetPath: role.asset_path ?? yml.asset_path,
    primary,
  }
}
