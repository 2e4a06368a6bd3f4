import type { ConfigIssue, KeyPath } from '../errors.ts'
import { roleEntries, type HostEntry } from './normalize-roles.ts'
import type { DeployYml } from './schema.ts'
import type { Config } from './types.ts'

/** What the rules need besides the config: the destination given with -d and our version. */
export interface CheckOptions {
  readonly destination?: string | undefined
  /** The Kamal version slipway is compatible with, compared with `minimum_version`. */
  readonly version: string
}

type Rule = (config: Config, yml: DeployYml, options: CheckOptions) => ConfigIssue[]

/** Cross-key rules (Kamal's Configuration#initialize checks); each issue points at the key to edit. */
export function check(config: Config, yml: DeployYml, options: CheckOptions): ConfigIssue[] {
  return RULES.flatMap((rule) => rule(config, yml, options))
}

const serviceName: Rule = (config) =>
  /^[a-z0-9_-]+$/i.test(config.service)
    ? []
    : [{ path: ['service'], message: 'invalid service name: use letters, digits, "-" and "_"' }]

const roles: Rule = (config, yml) => {
  const entries = roleEntries(yml.servers)
  if (!entries.some((e) => e.name === config.primaryRole)) {
    return [
      {
        path: yml.primary_role === undefined ? ['servers'] : ['primary_role'],
        message: `no role named "${config.primaryRole}" under servers`,
      },
    ]
  }
  return entries
    .filter(({ role }) => (role.hosts ?? []).length === 0)
    .flatMap(({ name, path }): ConfigIssue[] => {
      if (name === config.primaryRole) return [{ path, message: `the primary role "${name}" has no hosts` }]
      return config.allowEmptyRoles
        ? []
        : [{ path, message: `role "${name}" has no hosts (allow_empty_roles: true allows it)` }]
    })
}

const hostEntries: Rule = (_, yml) => {
  const lists: [KeyPath, readonly HostEntry[]][] = roleEntries(yml.servers).map(({ role, hostsPath }) => [
    hostsPath,
    role.hosts ?? [],
  ])
  for (const [name, a] of Object.entries(yml.accessories ?? {}))
    if (a.hosts) lists.push([['accessories', name, 'hosts'], a.hosts])
  return lists.flatMap(([path, hosts]) =>
    hosts.flatMap((entry, i) =>
      typeof entry === 'object' && Object.keys(entry).length !== 1
        ? [{ path: [...path, i], message: 'one host per entry: write one "- host: tag" line for each host' }]
        : [],
    ),
  )
}

const retain: Rule = (config) =>
  config.retainContainers >= 1 ? [] : [{ path: ['retain_containers'], message: 'must be at least 1' }]

const tagsOnlyAtRoot: Rule = (_, yml) => {
  const envs: [KeyPath, unknown][] = [
    ...roleEntries(yml.servers).map(({ role, path }): [KeyPath, unknown] => [[...path, 'env'], role.env]),
    ...Object.entries(yml.accessories ?? {}).map(([name, a]): [KeyPath, unknown] => [
      ['accessories', name, 'env'],
      a.env,
    ]),
    [['traefik', 'env'], yml.traefik?.env],
  ]
  return envs
    .filter(([, env]) => typeof env === 'object' && env !== null && 'tags' in env)
    .map(([path]) => ({ path: [...path, 'tags'], message: 'tags are only allowed in the root env' }))
}

const accessories: Rule = (config, yml) =>
  Object.entries(yml.accessories ?? {}).flatMap(([name, a]): ConfigIssue[] => {
    const given = (['host', 'hosts', 'roles'] as const).filter((k) => a[k] !== undefined)
    if (given.length !== 1)
      return [{ path: ['accessories', name], message: 'specify exactly one of host, hosts or roles' }]
    return (a.roles ?? []).flatMap((role, i) =>
      config.roles.some((r) => r.name === role)
        ? []
        : [{ path: ['accessories', name, 'roles', i], message: `no role named "${role}" under servers` }],
    )
  })

const destination: Rule = (config, _, options) =>
  config.requireDestination && !options.destination
    ? [{ path: ['require_destination'], message: 'a destination is required: run with -d NAME' }]
    : []

const minimumVersion: Rule = (config, _, options) =>
  config.minimumVersion !== undefined && compareVersions(config.minimumVersion, options.version) > 0
    ? [
        {
          path: ['minimum_version'],
          message: `slipway reads configs as Kamal ${options.version} does, minimum required is ${config.minimumVersion}`,
        },
      ]
    : []

const caddyImage: Rule = (config) =>
  config.proxy.kind === 'caddy' && !config.proxy.image
    ? [{ path: ['proxy', 'image'], message: 'required when kind is caddy' }]
    : []

// docker mounts only absolute container paths: an asset_path a proxied role uses (asset bridging)
// would fail every server's boot. A role that does not bridge assets never uses it, as in Kamal.
const assetPaths: Rule = (config, yml) => {
  const entries = roleEntries(yml.servers)
  return config.roles
    .filter((role) => role.proxy && role.assetPath !== undefined && !role.assetPath.startsWith('/'))
    .map((role) => {
      const entry = entries.find((e) => e.name === role.name)
      const own = entry !== undefined && !Array.isArray(entry.role) && entry.role.asset_path !== undefined
      return {
        path: own ? [...entry.path, 'asset_path'] : ['asset_path'],
        message: `must be an absolute path inside the image, such as /rails/public/assets, found ${JSON.stringify(role.assetPath)} (role ${role.name} bridges assets)`,
      }
    })
}

const RULES: readonly Rule[] = [
  serviceName,
  roles,
  hostEntries,
  retain,
  tagsOnlyAtRoot,
  accessories,
  destination,
  minimumVersion,
  caddyImage,
  assetPaths,
]

/** Compares dotted versions numerically (`1.10.0` > `1.9.3`); a pre-release suffix sorts first. */
function compareVersions(a: string, b: string): number {
  const parse = (v: string): number[] => v.split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : -1))
  const [x, y] = [parse(a), parse(b)]
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
