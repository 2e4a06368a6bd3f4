import { z } from 'zod'
import { Env, HostList, Int, Seconds, StringMap, Stringish } from './schema-common.ts'
import { BuilderYml, HealthcheckYml, LoggingYml, RegistryYml, RoleYml, SshkitYml, SshYml } from './schema-sections.ts'
import { AccessoryYml, BootYml, ProxyYml, TraefikYml } from './schema-services.ts'

// deploy.yml exactly as users write it (Kamal 1.x keys plus slipway's `proxy:` and
// `ssh.verify_host_key`). Root `x-*` keys (YAML anchor holders) are removed before parsing.

/** The whole deploy.yml, as written. */
export const DeployYml = z.strictObject({
  service: Stringish.describe('Service name: container name prefix and `service` label (letters, digits, `-`, `_`)'),
  image: Stringish.pipe(z.string().min(1, 'must not be empty')).describe(
    'Image name, without the registry (repository = `registry.server/image`)',
  ),
  registry: RegistryYml,
  servers: z
    .union([HostList, z.record(z.string(), RoleYml)], { error: 'expected a list of hosts, or a map of roles' })
    .describe('A list of hosts (role `web`), or `role: [hosts]` / `role: { hosts, cmd, env, ... }`'),
  env: Env.optional(),
  labels: StringMap.optional().describe('Extra container labels for every role'),
  volumes: z.array(Stringish).optional().describe('`--volume` values for app containers'),
  asset_path: Stringish.optional().describe(
    'Asset bridging: the fingerprinted assets dir inside the image, merged between the old and new version during a deploy (roles behind the proxy; roles may override)',
  ),
  hooks_path: Stringish.optional().describe('Hooks directory; default `.kamal/hooks`'),
  hook_timeout: Seconds.optional().describe('slipway: seconds a hook may run before it is stopped; default 900'),
  primary_role: Stringish.optional().describe('Role of the primary host, lock and barrier; default `web`'),
  allow_empty_roles: z.boolean().optional().describe('Allow roles without hosts; default false'),
  require_destination: z.boolean().optional().describe('Refuse to run without `-d DESTINATION`; default false'),
  retain_containers: Int.optional().describe('Old containers (and their images) kept by prune, at least 1; default 5'),
  minimum_version: Stringish.optional().describe(
    'Refuse to run unless slipway is compatible with this Kamal version (it reads configs as Kamal 1.9.3)',
  ),
  readiness_delay: Int.optional().describe('Seconds to wait for containers without a healthcheck; default 7'),
  stop_wait_time: Int.optional().describe('`docker stop -t` seconds; unset: Docker default (10)'),
  run_directory: Stringish.optional().describe('Remote dir for env files, locks, audit, cords; default `.kamal`'),
  ssh: SshYml.optional(),
  sshkit: SshkitYml.optional(),
  builder: BuilderYml.optional(),
  accessories: z
    .record(z.string(), AccessoryYml)
    .optional()
    .describe('Other services (databases, caches): `name: { image, host, ... }`'),
  traefik: TraefikYml.optional(),
  proxy: ProxyYml.optional(),
  healthcheck: HealthcheckYml.optional(),
  boot: BootYml.optional(),
  logging: LoggingYml.optional(),
})

/** deploy.yml after schema parsing (stringish values are strings). */
export type DeployYml = z.output<typeof DeployYml>
/** A role's long form after parsing. */
export type RoleObjectYml = z.output<typeof import('./schema-sections.ts').RoleObjectYml>
/** An env after parsing. */
export type EnvYml = z.output<typeof Env>
