import type { Accessory, Config, Role } from '../config/types.ts'

// Every name and remote path slipway derives from the config, in one place (Kamal's
// Role#container_prefix, Configuration#latest_tag, #abbreviated_version, lock/audit paths).
// Paths are relative to the ssh user's home unless run_directory is absolute, as Kamal's.

/** `<service>-<role>[-<dest>]`: the name of every container of a role, minus the version. */
export const containerPrefix = (config: Config, role: Role): string =>
  [config.service, role.name, config.destination].filter(Boolean).join('-')

/** `<service>-<role>[-<dest>]-<version>` */
export const containerName = (config: Config, role: Role, version: string): string =>
  `${containerPrefix(config, role)}-${version}`

/** `latest` or `latest-<dest>`: the tag that marks the version serving after a complete deploy. */
export const latestTag = (config: Config): string => ['latest', config.destination].filter(Boolean).join('-')

/** `<repository>:<version>` */
export const absoluteImage = (config: Config, version: string): string => `${config.repository}:${version}`

/** `<repository>:latest[-<dest>]` */
export const latestImage = (config: Config): string => absoluteImage(config, latestTag(config))

/** First 7 characters, unless the version has a `_` (`<sha>_uncommitted_<hex>` stays whole), as Kamal. */
export const abbreviatedVersion = (version: string): string => (version.includes('_') ? version : version.slice(0, 7))

/** `<service>@<abbreviated version>` (KAMAL_SERVICE_VERSION). */
export const serviceWithVersion = (config: Config, version: string): string =>
  `${config.service}@${abbreviatedVersion(version)}`

/** `<service>[-<dest>]`: the lock dir and audit log are per service and destination. */
export const serviceWithDestination = (config: Config): string =>
  [config.service, config.destination].filter(Boolean).join('-')

/** `<run_directory>/env/roles/<prefix>.env`: one path per role; the content differs per host (tags). */
export const envFilePath = (config: Config, role: Role): string =>
  `${config.runDirectory}/env/roles/${containerPrefix(config, role)}.env`

/** `<run_directory>/env/accessories/<accessory service>.env` */
export const accessoryEnvFilePath = (config: Config, accessory: Accessory): string =>
  `${config.runDirectory}/env/accessories/${accessory.service}.env`

/** `<run_directory>/locks/<service>[-<dest>]`: created with an atomic `mkdir`. */
export const lockDir = (config: Config): string => `${config.runDirectory}/locks/${serviceWithDestination(config)}`

/** `<run_directory>/<service>[-<dest>]-audit.log` */
export const auditLogPath = (config: Config): string =>
  `${config.runDirectory}/${serviceWithDestination(config)}-audit.log`

/** `<run_directory>/cords/<prefix>-<runId>`: this run's cord dir for a role (relative, like run_directory). */
export const cordDir = (config: Config, role: Role, runId: string): string =>
  `${config.runDirectory}/cords/${containerPrefix(config, role)}-${runId}`

/** The cord dir as an absolute path on the host (`home` from the server's `pwd`), for `--volume`. */
export const cordHostDir = (config: Config, role: Role, { home, runId }: { home: string; runId: string }): string =>
  absolutePath(home, cordDir(config, role, runId))

/** `path` if absolute, else under `home`: what Kamal's `$(pwd)/…` expands to, without remote expansion. */
export const absolutePath = (home: string, path: string): string =>
  path.startsWith('/') ? path : `${home.replace(/\/+$/, '')}/${path.replace(/^\.\//, '')}`

/** `--hostname`: the host cut to 51 characters, trailing dots removed, then `-<suffix>` (12 hex chosen by the caller). */
export const hostnameFor = (host: string, suffix: string): string =>
  `${host.slice(0, 51).replace(/\.+$/, '')}-${suffix}`

/** `<version>_replaced_<suffix>`: the name a same-version container is renamed to before a redeploy. */
export const replacedName = (config: Config, role: Role, version: string, suffix: string): string =>
  containerName(config, role, `${version}_replaced_${suffix}`)
