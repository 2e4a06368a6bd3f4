import type { Builder, SshConfig } from '../config/types.ts'
import { BuildError } from '../errors.ts'

/** The `ssh://` remote builder as slipway connects to it. */
export interface RemoteBuilderHost {
  readonly host: string
  readonly user: string
  readonly port: number
  /** `user@host:port` (IPv6 in brackets): the executor key, and how messages name the builder. */
  readonly spec: string
  /** `ssh://user@host:port`, what hooks get as KAMAL_BUILDER_HOST (usable as DOCKER_HOST). */
  readonly uri: string
}

/**
 * Where and as whom to reach an `ssh://` remote builder: the URI's own user and port win, the
 * global `ssh:` user and port fill what it leaves out, and those default to root and 22 (Kamal's
 * fix for `builder.remote.host: ssh://app@1.1.1.5:2122` with `ssh: { user: root, port: 22 }`).
 * Undefined without a remote builder or when its host is not `ssh://` (tcp://, unix://).
 */
export function remoteBuilderHost(
  builder: Pick<Builder, 'remoteHost'>,
  ssh: Pick<SshConfig, 'user' | 'port'>,
): RemoteBuilderHost | undefined {
  if (!builder.remoteHost?.startsWith('ssh://')) return undefined
  let uri: URL
  try {
    uri = new URL(builder.remoteHost)
  } catch (cause) {
    throw new BuildError(`builder.remote.host ${builder.remoteHost} is not a valid ssh:// URI`, { cause })
  }
  const host = uri.hostname.replace(/^\[(.*)\]$/, '$1')
  const user = decodeURIComponent(uri.username) || ssh.user || 'root'
  const port = uri.port ? Number(uri.port) : (ssh.port ?? 22)
  const bracketed = host.includes(':') ? `[${host}]` : host
  return { host, user, port, spec: `${user}@${bracketed}:${port}`, uri: `ssh://${user}@${bracketed}:${port}` }
}
