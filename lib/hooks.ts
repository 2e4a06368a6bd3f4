import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import type { Config } from './config/types.ts'
import type { DeployContext } from './context.ts'
import { serviceWithVersion } from './commands/naming.ts'
import { remoteBuilderHost } from './build/remote-host.ts'

/** Every hook point. A file in the hooks dir runs only if its name is exactly one of these. */
export const HOOK_NAMES = [
  'pre-connect',
  'pre-build',
  'post-push',
  'pre-deploy',
  'post-deploy',
  'pre-traefik-reboot',
  'post-traefik-reboot',
  'pre-proxy-reboot',
  'post-proxy-reboot',
  'docker-setup',
] as const

/** A hook point name; a union so recipes cannot typo one. */
export type HookName = (typeof HOOK_NAMES)[number]

/** Kamal's default `hooks_path`, which config resolves when deploy.yml sets none. */
const KAMAL_HOOKS_PATH = '.kamal/hooks'

/**
 * The absolute hooks directory: `hooks_path` from deploy.yml, relative to the project root. When it
 * is Kamal's default `.kamal/hooks` and that does not exist but `hooks/` does, slipway uses `hooks/`
 * (its own layout), so Kamal projects keep working and new projects need no setting.
 */
export function hooksDir(config: Pick<Config, 'root' | 'hooksPath'>): string {
  const configured = isAbsolute(config.hooksPath) ? config.hooksPath : join(config.root, config.hooksPath)
  if (config.hooksPath !== KAMAL_HOOKS_PATH || existsSync(configured)) return configured
  const slipway = join(config.root, 'hooks')
  return existsSync(slipway) ? slipway : configured
}

/** The absolute path of one hook. */
export const hookPath = (config: Pick<Config, 'root' | 'hooksPath'>, name: HookName): string =>
  join(hooksDir(config), name)

/** Whether a hook file would run: it exists, is a regular file and is executable. */
export function isRunnable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** Per-call hook details: the host group (traefik/proxy reboots), runtime (post-deploy), clock (tests). */
export interface HookDetails {
  /** Hosts this firing is about; default: every selected host. */
  readonly hosts?: readonly string[]
  /** Seconds since the run started (post-deploy). */
  readonly runtime?: number
  /** The remote builder (`ssh://user@host:port`, or the configured URI): pre-build and post-push only. */
  readonly builderHost?: string | undefined
  readonly recordedAt?: Date
}

/** What hookEnv reads from the context. */
export type HookContext = Pick<
  DeployContext,
  'config' | 'version' | 'command' | 'subcommand' | 'selection' | 'performer'
>

/** Where a build with a remote builder runs, as build hooks get it; undefined when images are built here. */
export function builderHostOf(config: Pick<Config, 'builder' | 'ssh'>): string | undefined {
  return remoteBuilderHost(config.builder, config.ssh)?.uri ?? config.builder.remoteHost
}

/**
 * The hook's environment (Kamal 1.x's `Kamal::Tags` plus KAMAL_ROLES): KAMAL_* and the same names
 * with the SLIPWAY_ prefix. Unset values are left out, never passed as empty strings.
 */
export function hookEnv(ctx: HookContext, details: HookDetails = {}): Record<string, string> {
  const { config, version } = ctx
  const values: Record<string, string | undefined> = {
    RECORDED_AT: (details.recordedAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    PERFORMER: ctx.performer,
    VERSION: version,
    SERVICE_VERSION: serviceWithVersion(config, version),
    SERVICE: config.service,
    DESTINATION: config.destination,
    HOSTS: (details.hosts ?? ctx.selection.hosts).join(','),
    COMMAND: ctx.command,
    SUBCOMMAND: ctx.subcommand,
    RUNTIME: details.runtime === undefined ? undefined : String(Math.round(details.runtime)),
    ROLES: ctx.selection.roles.map((role) => role.name).join(','),
    BUILDER_HOST: details.builderHost,
  }
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue
    env[`KAMAL_${key}`] = value
    env[`SLIPWAY_${key}`] = value
  }
  return env
}
