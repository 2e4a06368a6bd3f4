import { readFileSync, writeFileSync } from 'node:fs'
import { quote } from '../lib/shell/command.ts'

/** The variables `.sandbox/env` holds: everything a deploy, a test or a human needs to use the sandbox. */
export interface SandboxEnv {
  /** Space-separated server IPs, primary first. */
  readonly SANDBOX_SERVERS: string
  readonly SANDBOX_SSH_USER: string
  /** Private key path; servers take only this key. */
  readonly SANDBOX_SSH_KEY: string
  /** known_hosts with every server's host key. */
  readonly SANDBOX_KNOWN_HOSTS: string
  /** Registry host:port, as both the host and the servers reach it. */
  readonly SANDBOX_REGISTRY: string
  readonly SANDBOX_REGISTRY_USER: string
  readonly SANDBOX_REGISTRY_PASSWORD: string
  /** The registry's CA certificate (trusted by every engine already). */
  readonly SANDBOX_REGISTRY_CA: string
  readonly SANDBOX_LB_URL: string
  /** Space-separated IPs of the servers behind the load balancer. */
  readonly SANDBOX_LB_BACKENDS: string
  /** An isolated docker client config dir, logged in to the registry; ~/.docker is never touched. */
  readonly DOCKER_CONFIG: string
  readonly SANDBOX_BASE_IMAGE: string
  readonly SANDBOX_APP_IMAGE: string
  readonly SANDBOX_BROKEN_IMAGE: string
  readonly SANDBOX_CADDY_IMAGE: string
  readonly SANDBOX_NETWORK: string
  readonly SANDBOX_SUBNET: string
  /** The instance name (containers are `<name>-1`, `<name>-2`, …). */
  readonly SANDBOX_NAME: string
  /** The host docker client that matches the 20.10 engine. */
  readonly SANDBOX_DOCKER: string
  /** The builder server's IP (the last server), its non-root user and second sshd port and that sshd's log there. */
  readonly SANDBOX_BUILDER_HOST: string
  readonly SANDBOX_BUILDER_USER: string
  readonly SANDBOX_BUILDER_PORT: string
  readonly SANDBOX_BUILDER_SSHD_LOG: string
  /** The base image of demo/Dockerfile in the registry, for builds on a server (`--build-arg BASE_IMAGE=…`). */
  readonly SANDBOX_REGISTRY_BASE_IMAGE: string
}

/** Shell-sourceable text: `export KEY='value'` lines, quoted by the project's one POSIX quoting function. */
export const formatEnv = (env: SandboxEnv): string =>
  Object.entries(env)
    .map(([k, v]) => `export ${k}=${quote(String(v))}\n`)
    .join('')

/** Writes the env file readable by its owner only: it carries the registry password. */
export const writeEnv = (file: string, env: SandboxEnv): void => writeFileSync(file, formatEnv(env), { mode: 0o600 })

/** Reads an env file written by `writeEnv` back into an object (the inverse of `formatEnv`, not a general shell parser). */
export function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line)
    if (!m) continue
    const raw = m[2]!
    out[m[1]!] = raw.startsWith("'") ? raw.slice(1, -1).replaceAll(`'\\''`, "'") : raw
  }
  return out
}

/** Reads and parses an env file; throws ENOENT when the sandbox is not up. */
export const readEnvFile = (file: string): Record<string, string> => parseEnv(readFileSync(file, 'utf8'))
