import { z } from 'zod'
import { DockerOptions, Duration, Env, HostList, Int, Seconds, StringMap, Stringish } from './schema-common.ts'

// One schema per deploy.yml section, strict so a typo is an "unknown key" error.
// Defaults are applied in normalize.ts (they depend on what else is set), and are
// stated in each description so the generated reference shows them.

/** `registry:` (Kamal: required). username/password: a string, or `[ENV_NAME]` read from the secrets. */
export const RegistryYml = z
  .strictObject({
    server: Stringish.optional().describe('Registry host[:port]; unset means Docker Hub'),
    username: z
      .union([z.string(), z.tuple([z.string()])], { error: 'expected a string or [ENV_NAME]' })
      .describe('User name, or `[ENV_NAME]` to read it from the environment / `.env`'),
    password: z
      .union([z.string(), z.tuple([z.string()])], { error: 'expected a string or [ENV_NAME]' })
      .describe('Password, usually `[KAMAL_REGISTRY_PASSWORD]`: read from the environment / `.env`'),
  })
  .describe('The registry images are pushed to and pulled from')

/** `healthcheck:` (root and per role). */
export const HealthcheckYml = z
  .strictObject({
    cmd: Stringish.optional().describe(
      'Health command; default `curl -f http://localhost:<port><path> || exit 1` (no `:80` for port 80)',
    ),
    interval: Duration.optional().describe('Docker `--health-interval` (`1s`, `500ms`, `1m30s`); default `1s`'),
    max_attempts: Int.optional().describe('How many times to poll for healthy; default 7'),
    port: Int.optional().describe('Port used by the default command; default 3000'),
    path: Stringish.optional().describe('Path used by the default command; default `/up`'),
    cord: z
      .union([z.string(), z.literal(false)], { error: 'expected a path or false' })
      .optional()
      .describe('Cord dir inside the container (zero-downtime drain); default `/tmp/kamal-cord`; `false` disables it'),
    log_lines: Int.optional().describe('Container log lines shown when a healthcheck fails; default 50'),
    exposed_port: Int.optional().describe('Accepted for Kamal ≤1.5 configs; unused'),
  })
  .describe('Container healthcheck (Kamal semantics: proxy roles merge theirs over the root one)')

/** `logging:` (root and per role). */
export const LoggingYml = z
  .strictObject({
    driver: Stringish.optional().describe('`--log-driver`'),
    options: StringMap.optional().describe('`--log-opt key=value`; default `max-size: 10m` when neither is set'),
  })
  .describe('Docker logging for app, proxy and accessory containers')

/** One role under `servers:` in its long form. */
export const RoleObjectYml = z.strictObject({
  hosts: HostList.optional(),
  cmd: Stringish.optional().describe('Container command'),
  options: DockerOptions.optional(),
  labels: StringMap.optional().describe('Container labels, merged over the root labels'),
  env: Env.optional().describe('Role env, merged over the root env (no `tags:` here)'),
  traefik: z.boolean().optional().describe('Whether the role sits behind the proxy; default: only the primary role'),
  healthcheck: HealthcheckYml.optional(),
  logging: LoggingYml.optional(),
  asset_path: Stringish.optional().describe('Asset bridging dir for this role (behind the proxy only)'),
})

/** A role: a list of hosts, or the long form. */
export const RoleYml = z.union([HostList, RoleObjectYml], { error: 'expected a list of hosts, or a map with hosts:' })

/** `ssh:` */
export const SshYml = z
  .strictObject({
    user: Stringish.optional().describe('SSH user; default `root`'),
    port: Int.optional().describe('SSH port; default 22'),
    proxy: Stringish.optional().describe('Jump host, `host` or `user@host[:port]` (`root@` when no user)'),
    proxy_command: Stringish.optional().describe('OpenSSH-style ProxyCommand'),
    log_level: Stringish.optional().describe('SSH log level; default `fatal`'),
    keys_only: z.boolean().optional().describe('Use only the listed keys, not the agent'),
    keys: z.array(Stringish).optional().describe('Private key files'),
    key_data: z.array(Stringish).optional().describe('Private keys given inline (treated as secrets)'),
    verify_host_key: z
      .enum(['accept-new', 'always', 'never'])
      .optional()
      .describe('slipway: host key policy like OpenSSH StrictHostKeyChecking; default `accept-new`'),
    connect_timeout: Seconds.optional().describe('slipway: seconds to connect and log in to a host; default 15'),
    keepalive_interval: Seconds.optional().describe(
      'slipway: seconds between keepalives; a host silent for interval × keepalive_maxcount is lost; default 5',
    ),
    keepalive_maxcount: Int.optional().describe('slipway: unanswered keepalives before a host is lost; default 3'),
  })
  .describe('How to connect to the servers')

/** `sshkit:` */
export const SshkitYml = z
  .strictObject({
    max_concurrent_starts: Int.optional().describe('Connections opened at once; default 30'),
    pool_idle_timeout: Int.optional().describe('Seconds an idle connection is kept; default 900'),
  })
  .describe('Connection pool settings')

const BuilderHostYml = z.strictObject({
  arch: Stringish.optional().describe('Architecture, e.g. `amd64` or `arm64`'),
  host: Stringish.optional().describe('Docker host, e.g. `ssh://user@host:port` or `unix:///…`'),
})

/** `builder:` */
export const BuilderYml = z
  .strictObject({
    multiarch: z.boolean().optional().describe('Build for several platforms with buildx; default true'),
    local: BuilderHostYml.optional().describe('Local builder: `arch` and docker `host`'),
    remote: BuilderHostYml.optional().describe('Remote builder: `arch` and `host: ssh://user@host:port`'),
    cache: z
      .strictObject({
        type: z.enum(['gha', 'registry']).describe('Cache backend'),
        options: Stringish.optional().describe('Extra cache options, e.g. `mode=max`'),
        image: Stringish.optional().describe('Registry cache image; default `<image>-build-cache`'),
      })
      .optional()
      .describe('Build cache'),
    context: Stringish.optional().describe(
      'Build context dir; when set, builds from the working tree instead of a clean git clone',
    ),
    dockerfile: Stringish.optional().describe('Dockerfile path; default `Dockerfile`'),
    target: Stringish.optional().describe('Build target stage'),
    args: z
      .record(z.string(), Stringish.nullable())
      .optional()
      .describe('`--build-arg` values; an empty value passes the bare name, so docker takes it from its environment'),
    secrets: z.array(Stringish).optional().describe('Build secrets (`--secret id=NAME`), values from the environment'),
    ssh: Stringish.optional().describe('`--ssh` value, e.g. `default=$SSH_AUTH_SOCK`'),
  })
  .describe('How the image is built')
