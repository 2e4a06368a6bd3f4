import { DeployError } from '../errors.ts'
import { globToRegExp } from './glob.ts'
import type { Config, Role } from './types.ts'

/** The hosts and roles this run acts on, primary first (Kamal's Commander::Specifics). */
export interface Selection {
  /** Selected roles with at least one selected host; the primary role first. */
  readonly roles: readonly Role[]
  /** Selected hosts of the selected roles; hosts running the primary role first. */
  readonly hosts: readonly string[]
  readonly primaryHost: string
  /** The role that guards the barrier: the configured primary role if it runs on primaryHost. */
  readonly primaryRole: Role
  /** Roles running on a host, primary role first. */
  rolesOn(host: string): readonly Role[]
  /** Hosts of one role within the selection, primary hosts first. */
  hostsOf(role: Role): readonly string[]
}

/** `--hosts`, `--roles` and `--primary` as parsed from the command line. */
export interface SelectOptions {
  readonly hosts?: readonly string[] | undefined
  readonly roles?: readonly string[] | undefined
  readonly primary?: boolean | undefined
}

/** Every host of the config: roles' hosts then accessories' hosts, first occurrence wins. */
export const allHosts = (config: Config): string[] =>
  unique([...config.roles.flatMap((r) => r.hosts), ...config.accessories.flatMap((a) => a.hosts)])

/** The configured primary host: the first host of the primary role. */
export const configPrimaryHost = (config: Config): string | undefined =>
  config.roles.find((r) => r.name === config.primaryRole)?.hosts[0]

/**
 * The hosts and roles a run acts on (Kamal's Commander::Specifics): filters with wildcards,
 * primary role first, hosts running the primary role first.
 */
export function select(config: Config, options: SelectOptions = {}): Selection {
  const specificHosts = options.primary
    ? [configPrimaryHost(config)].filter((h): h is string => h !== undefined)
    : options.hosts?.length
      ? filter(options.hosts, allHosts(config), '--hosts')
      : undefined
  const specificRoles = options.roles?.length
    ? filter(
        options.roles,
        config.roles.map((r) => r.name),
        '--roles',
      ).map((name) => config.roles.find((r) => r.name === name)!)
    : undefined

  const candidates = specificHosts ?? allHosts(config)
  const roles = (specificRoles ?? config.roles).filter((role) => role.hosts.some((h) => candidates.includes(h)))
  const hosts = candidates.filter((h) => roles.some((role) => role.hosts.includes(h)))
  const on = (host: string): Role[] => roles.filter((role) => role.hosts.includes(host))

  const primaryHost =
    specificHosts?.[0] ??
    primaryOrFirst(config, roles)?.hosts.find((h) => hosts.includes(h)) ??
    configPrimaryHost(config) ??
    ''
  // With no selected role on the primary host (an accessory-only host), fall back to the configured one.
  const primaryRole =
    primaryOrFirst(config, on(primaryHost)) ??
    config.roles.find((r) => r.name === config.primaryRole) ??
    config.roles[0]!

  // Primary first, so the barrier's gatekeeper boots first; stable, so config order is kept otherwise.
  const sortedRoles = stableSort(roles, (role) => (role === primaryRole ? 0 : 1))
  const runsPrimary = (host: string): number => (on(host).includes(primaryRole) ? 0 : 1)
  const sortedHosts = stableSort(hosts, runsPrimary)
  const rolesOn = (host: string): readonly Role[] => sortedRoles.filter((role) => role.hosts.includes(host))
  const hostsOf = (role: Role): readonly string[] => sortedHosts.filter((h) => role.hosts.includes(h))
  return { roles: sortedRoles, hosts: sortedHosts, primaryHost, primaryRole, rolesOn, hostsOf }
}

function primaryOrFirst(config: Config, roles: readonly Role[]): Role | undefined {
  return roles.find((r) => r.name === config.primaryRole) ?? roles[0]
}

// Kamal::Utils.filter_specific_items: matches per filter, in filter order, de-duplicated.
function filter(filters: readonly string[], items: readonly string[], flag: string): string[] {
  const matches = unique(filters.flatMap((f) => items.filter((item) => globToRegExp(f).test(item))))
  if (matches.length === 0) throw new DeployError(`no ${flag} match for ${filters.join(',')}`)
  return matches
}

function stableSort<T>(items: readonly T[], key: (item: T) => number): T[] {
  return items
    .map((item, i) => [key(item), i, item] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, , item]) => item)
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)]
