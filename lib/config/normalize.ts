import type { Config } from './types.ts'
import { normalizeEnv, normalizeTags, type Resolve } from './normalize-env.ts'
import {
  normalizeAccessories,
  normalizeBoot,
  normalizeBuilder,
  normalizeProxy,
  normalizeRegistry,
  normalizeSsh,
  normalizeTraefik,
} from './normalize-parts.ts'
import { normalizeHealthcheck, normalizeLogging, normalizeRole, roleEntries } from './normalize-roles.ts'
import type { DeployYml } from './schema.ts'

/** What normalize needs besides the YAML: where it came from and the secrets source. */
export interface NormalizeOptions {
  /** The base file, as shown in messages. */
  readonly file: string
  /** The project root (the cwd the config was loaded from). */
  readonly root: string
  readonly destination?: string | undefined
  /** process env overlaid by `.env` / `.env.<destination>`. */
  readonly secrets: Readonly<Record<string, string | undefined>>
  /**
   * The document as read, before validation (after ERB and a destination's merge): where `config`
   * prints a section as written, as Kamal does, it comes from here. Default: the validated YAML.
   */
  readonly written?: unknown
}

/**
 * Pure: parsed deploy.yml → the Config, with Kamal's defaults. Missing secrets do not throw:
 * they are listed (load.ts places them in the file, adds them as missingSecrets and freezes).
 */
export function normalize(yml: DeployYml, options: NormalizeOptions): { config: Config; missing: Resolve['missing'] } {
  const resolve: Resolve = { secrets: options.secrets, missing: [] }
  const roles = roleEntries(yml.servers).map(({ name, role, path }) => normalizeRole(yml, name, role, path, resolve))
  const roleHosts = new Map(roles.map((r) => [r.name, r.hosts]))
  const accessories = normalizeAccessories(yml, roleHosts, resolve)
  const allHosts = new Set([...roles.flatMap((r) => r.hosts), ...accessories.flatMap((a) => a.hosts)])
  const traefik = normalizeTraefik(yml, resolve)
  const registry = normalizeRegistry(yml.registry, resolve)
  const config: Config = {
    file: options.file,
    root: options.root,
    service: yml.service,
    image: yml.image,
    destination: options.destination,
    registry,
    repository: [registry.server, yml.image].filter(Boolean).join('/'),
    roles,
    primaryRole: yml.primary_role ?? 'web',
    env: normalizeEnv(yml.env, resolve, ['env']),
    envTags: normalizeTags(yml.env, resolve),
    labels: { ...yml.labels },
    volumes: yml.volumes ?? [],
    assetPath: yml.asset_path,
    hooksPath: yml.hooks_path ?? '.kamal/hooks',
    hookTimeout: yml.hook_timeout ?? 900,
    allowEmptyRoles: yml.allow_empty_roles ?? false,
    requireDestination: yml.require_destination ?? false,
    retainContainers: yml.retain_containers ?? 5,
    minimumVersion: yml.minimum_version,
    readinessDelay: yml.readiness_delay ?? 7,
    stopWaitTime: yml.stop_wait_time,
    runDirectory: yml.run_directory ?? '.kamal',
    ssh: normalizeSsh(yml),
    builder: normalizeBuilder(yml),
    builderAsWritten: asWritten(options.written, 'builder') ?? { ...yml.builder },
    accessories,
    traefik,
    proxy: normalizeProxy(yml, traefik),
    healthcheck: normalizeHealthcheck(yml.healthcheck ?? {}),
    boot: normalizeBoot(yml, allHosts.size),
    logging: normalizeLogging(yml.logging),
  }
  return { config, missing: resolve.missing }
}

// Kamal prints some sections as the file has them (Configuration#to_h): numbers stay numbers, and
// no defaults are filled in.
function asWritten(document: unknown, key: string): Readonly<Record<string, unknown>> | undefined {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return undefined
  const section = (document as Record<string, unknown>)[key]
  return section !== null && typeof section === 'object' && !Array.isArray(section)
    ? (section as Record<string, unknown>)
    : {}
}

// Config is shared by every task of a run; freezing turns an accidental write into a TypeError.
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
