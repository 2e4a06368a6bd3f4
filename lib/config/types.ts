import type { Secret } from '../shell/command.ts'

// The resolved configuration: deeply readonly data, produced once by load.ts from deploy.yml
// (+ destination overlay, ERB, .env secrets) and never changed afterwards. YAML keys are
// snake_case; here they are camelCase. No methods, no I/O: helpers live in config.ts.

/** An env as Kamal's `env:` section resolves: clear values and secret values (read at load time). */
export interface Env {
  readonly clear: Readonly<Record<string, string>>
  readonly secret: Readonly<Record<string, Secret>>
}

/** `healthcheck:` (root, deep-merged per role). */
export interface Healthcheck {
  /** `--health-cmd`; default `curl -f http://localhost:<port><path> || exit 1` (no `:80` for port 80), as Kamal. */
  readonly cmd: string
  readonly path: string
  readonly port: number
  /** Seconds between polls of `docker inspect` and the container's `--health-interval`. */
  readonly interval: string
  readonly maxAttempts: number
  /** Path of the cord dir inside the container, or false to not use a cord. */
  readonly cord: string | false
  readonly logLines: number
}

/** `logging:` → `--log-driver` / `--log-opt`. */
export interface Logging {
  readonly driver: string | undefined
  readonly options: Readonly<Record<string, string>>
}

/** One role under `servers:`. */
export interface Role {
  readonly name: string
  /** Hosts in config order (tags stripped). */
  readonly hosts: readonly string[]
  /** Tags per host, from `- host: tag` / `- host: [t1, t2]`. */
  readonly tags: Readonly<Record<string, readonly string[]>>
  readonly cmd: string | undefined
  /** `options:` → `--key value`; true is a bare flag; arrays repeat the flag. */
  readonly options: Readonly<Record<string, string | number | boolean | readonly (string | number)[]>>
  /** Role labels (merged over root labels by the builders). */
  readonly labels: Readonly<Record<string, string>>
  /** The role's own env (not yet merged with root env and tags: see envFor in config.ts). */
  readonly env: Env
  /** Whether the role sits behind the proxy (Kamal's `traefik:`; default: only the primary role). */
  readonly proxy: boolean
  /** Merged healthcheck (root < role for proxy roles; role-only otherwise, as Kamal). */
  readonly healthcheck: Healthcheck
  /** Whether `docker run` gets `--health-cmd` (proxy roles always; others only with their own port/path/cmd). */
  readonly healthArgs: boolean
  readonly logging: Logging
  readonly assetPath: string | undefined
  readonly primary: boolean
}

/** `registry:` with the password resolved. */
export interface Registry {
  /** undefined means Docker Hub. */
  readonly server: string | undefined
  readonly username: string | Secret
  readonly password: Secret
}

/** `ssh:` + `sshkit:` */
export interface SshConfig {
  readonly user: string
  readonly port: number
  /** Jump host, `user@host[:port]` (root@ prepended when no user, as Kamal). */
  readonly proxy: string | undefined
  readonly proxyCommand: string | undefined
  readonly keys: readonly string[]
  readonly keyData: readonly Secret[]
  readonly keysOnly: boolean
  readonly logLevel: string
  /** OpenSSH-like policy: `accept-new` (default), `always` (must be known), `never` (no check). */
  readonly verifyHostKey: 'accept-new' | 'always' | 'never'
  readonly maxConcurrentStarts: number
  /** Seconds to connect and log in. */
  readonly connectTimeout: number
  /** Seconds between keepalives; a host that leaves `keepaliveMaxcount` of them unanswered is lost. */
  readonly keepaliveInterval: number
  readonly keepaliveMaxcount: number
  readonly poolIdleTimeout: number
}

/** `builder:` resolved. */
export interface Builder {
  readonly multiarch: boolean
  readonly localArch: string | undefined
  readonly localHost: string | undefined
  readonly remoteArch: string | undefined
  /** `ssh://user@host:port`: its own user/port win over `ssh:` (seed feature 4). */
  readonly remoteHost: string | undefined
  readonly cache:
    { readonly type: 'gha' | 'registry'; readonly options: string | undefined; readonly image: string } | undefined
  /** Set → build from this dir of the checkout; unset → build from a clean git clone. */
  readonly context: string | undefined
  readonly dockerfile: string
  readonly target: string | undefined
  readonly args: Readonly<Record<string, string>>
  /** Names of build secrets; values read from the environment at build time. */
  readonly secrets: readonly string[]
  readonly ssh: string | undefined
}

/** One entry under `accessories:`. */
export interface Accessory {
  readonly name: string
  /** Container name and `service` label; default `<service>-<name>`. */
  readonly service: string
  readonly image: string
  /** Resolved from exactly one of host / hosts / roles. */
  readonly hosts: readonly string[]
  readonly cmd: string | undefined
  readonly port: string | undefined
  readonly labels: Readonly<Record<string, string>>
  readonly options: Readonly<Record<string, string | number | boolean | readonly (string | number)[]>>
  readonly env: Env
  /** `local:remote` pairs. */
  readonly files: readonly { readonly local: string; readonly remote: string }[]
  /** `host:container` pairs. */
  readonly directories: readonly { readonly host: string; readonly container: string }[]
  readonly volumes: readonly string[]
}

/** `traefik:` */
export interface Traefik {
  readonly image: string
  readonly hostPort: number
  /** The address the port is published on (`host_port: "10.0.0.3:80"`); unset: every address. */
  readonly hostIp?: string | undefined
  readonly publish: boolean
  readonly labels: Readonly<Record<string, string>>
  readonly args: Readonly<Record<string, string | number | boolean>>
  readonly options: Readonly<Record<string, string | number | boolean | readonly (string | number)[]>>
  readonly env: Env
}

/** slipway's `proxy:` key: which front proxy runs on proxy hosts. Kamal configs default to traefik. */
export interface Proxy {
  readonly kind: 'traefik' | 'caddy'
  /** The caddy image (for `kind: caddy`); traefik uses `traefik.image`. */
  readonly image: string
  readonly hostPort: number
  /** The address the port is published on; unset: every address. */
  readonly hostIp?: string | undefined
  /** Port the app listens on inside its container. */
  readonly appPort: number
  /** Host names this service answers for (caddy matches on them); empty = every request. */
  readonly hosts: readonly string[]
  readonly options: Readonly<Record<string, string | number | boolean | readonly (string | number)[]>>
}

/** `boot:` */
export interface Boot {
  /** Hosts booted at once: a number, or a percentage of all hosts (`"25%"`) resolved at load. */
  readonly limit: number | undefined
  /** Seconds between groups. */
  readonly wait: number | undefined
}

/** The whole resolved configuration. */
export interface Config {
  /** The file it came from (for messages) and the project root (the dir of deploy.yml's repo). */
  readonly file: string
  readonly root: string
  readonly service: string
  readonly image: string
  readonly destination: string | undefined
  readonly registry: Registry
  /** `[registry.server, image].join('/')` */
  readonly repository: string
  /** Roles sorted by name, as Kamal 1.9.3 lists them; runs put the primary role first (selection). */
  readonly roles: readonly Role[]
  readonly primaryRole: string
  readonly env: Env
  /** `env.tags`: tag name → env. */
  readonly envTags: Readonly<Record<string, Env>>
  readonly labels: Readonly<Record<string, string>>
  readonly volumes: readonly string[]
  readonly assetPath: string | undefined
  readonly hooksPath: string
  /** Seconds a hook may run; then its whole process group is stopped. */
  readonly hookTimeout: number
  readonly allowEmptyRoles: boolean
  readonly requireDestination: boolean
  readonly retainContainers: number
  readonly minimumVersion: string | undefined
  readonly readinessDelay: number
  readonly stopWaitTime: number | undefined
  readonly runDirectory: string
  readonly ssh: SshConfig
  readonly builder: Builder
  /** `builder:` as written (after ERB and a destination's merge), `{}` without one: what `kamal config` prints. */
  readonly builderAsWritten: Readonly<Record<string, unknown>>
  readonly accessories: readonly Accessory[]
  readonly traefik: Traefik
  readonly proxy: Proxy
  readonly healthcheck: Healthcheck
  readonly boot: Boot
  readonly logging: Logging
  /** Secrets the config names that are not set; a run that uses one stops before changing anything. */
  readonly missingSecrets?: readonly MissingSecret[] | undefined
}

/** A secret named in the config without a value in the environment or `.env`. */
export interface MissingSecret {
  readonly name: string
  /** What needs it: `registry`, `app` (env of roles and tags), `proxy` (traefik env) or `accessory:<name>`. */
  readonly scope: string
  /** Where it is named, for messages. */
  readonly file: string | undefined
  readonly line: number | undefined
  readonly col: number | undefined
  /** The key path, e.g. `env.secret[0]`. */
  readonly key: string
}
