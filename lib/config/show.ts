import { stringify } from 'yaml'
import { kamalEscape } from './kamal-shell.ts'
import { allHosts, configPrimaryHost } from './selection.ts'
import type { Config, Healthcheck, Logging } from './types.ts'

/**
 * What `kamal config` prints (Configuration#to_h), with Kamal's key names and forms, plus
 * slipway's own settings (`ssh_options.verify_host_key`, `proxy`). Secrets are Secret objects,
 * whose toJSON is [REDACTED], so JSON and YAML output never show their values.
 */
export function configSummary(config: Config, { version }: { version: string }): Record<string, unknown> {
  const { ssh } = config
  const summary: Record<string, unknown> = {
    roles: config.roles.map((r) => r.name),
    hosts: allHosts(config),
    primary_host: configPrimaryHost(config),
    version,
    repository: config.repository,
    absolute_image: `${config.repository}:${version}`,
    service_with_version: `${config.service}-${version}`,
    volume_args: config.volumes.flatMap((v) => ['--volume', v]),
    ssh_options: compact({
      user: ssh.user,
      port: ssh.port,
      proxy: ssh.proxy,
      proxy_command: ssh.proxyCommand,
      keys: ssh.keys.length ? ssh.keys : undefined,
      key_data: ssh.keyData.length ? ssh.keyData : undefined,
      keys_only: ssh.keysOnly || undefined,
      keepalive: true,
      keepalive_interval: 30,
      log_level: ssh.logLevel,
      verify_host_key: ssh.verifyHostKey,
    }),
    sshkit: { max_concurrent_starts: ssh.maxConcurrentStarts, pool_idle_timeout: ssh.poolIdleTimeout },
    // Kamal's Builder#to_h is the `builder:` hash of the file, without defaults.
    builder: config.builderAsWritten,
    accessories: Object.fromEntries(config.accessories.map(({ name, ...a }) => [name, compact({ ...a })])),
    logging: kamalLoggingArgs(config.logging),
    healthcheck: kamalHealthcheck(config.healthcheck),
    proxy: compact({ ...config.proxy }),
  }
  return compact(summary)
}

/** Kamal's logging_args: `["--log-opt", "max-size=\"10m\""]`, the driver as `--log-driver "json-file"`. */
function kamalLoggingArgs(logging: Logging): string[] {
  return [
    ...(logging.driver === undefined ? [] : ['--log-driver', kamalEscape(logging.driver)]),
    // Kamal's argumentize: an empty value leaves the bare key.
    ...Object.entries(logging.options).flatMap(([key, value]) => [
      '--log-opt',
      value === '' ? key : `${key}=${kamalEscape(value)}`,
    ]),
  ]
}

/** Kamal's Healthcheck#to_h: snake_case keys in Kamal's order. */
function kamalHealthcheck(h: Healthcheck): Record<string, unknown> {
  return {
    cmd: h.cmd,
    interval: h.interval,
    max_attempts: h.maxAttempts,
    port: h.port,
    path: h.path,
    cord: h.cord,
    log_lines: h.logLines,
  }
}

/** The summary as YAML (secrets redacted through toJSON). */
export function configSummaryYaml(config: Config, options: { version: string }): string {
  return stringify(JSON.parse(JSON.stringify(configSummary(config, options))))
}

// Kamal's Hash#compact: unset keys are left out rather than printed as null.
const compact = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
