import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: state lives in `<root>/.sandbox`, whatever the caller's cwd. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The name of the default sandbox; others (e.g. the 10-server test) pick their own name and subnet. */
const DEFAULT_NAME = 'slipway-sandbox'

/** The most servers one sandbox holds (addresses .11 to .30 of its /24). */
const MAX_SERVERS = 20

/** The builder server's second sshd port. */
const BUILDER_SSH_PORT = 2222

/** What a caller may choose about one sandbox instance. */
export interface SandboxOptions {
  /** Instance name: prefix of its containers and network. @default 'slipway-sandbox' */
  readonly name?: string
  /** Number of servers, 1 to 20. @default 3 */
  readonly servers?: number
  /** The first three octets of its /24 bridge subnet. @default '172.29.0' */
  readonly subnet?: string
  /** Port of the front load balancer on 127.0.0.1. @default 19080 */
  readonly lbPort?: number
  /** How many of the first servers the load balancer forwards to. @default 2 */
  readonly lbBackends?: number
}

/** Everything derived from the options: names, addresses, ports and paths of one instance. */
export interface Layout {
  readonly name: string
  readonly count: number
  readonly subnet: string
  readonly cidr: string
  readonly gateway: string
  readonly servers: readonly { readonly container: string; readonly ip: string }[]
  readonly network: string
  readonly registry: string
  readonly lbUrl: string
  readonly lbPort: number
  readonly lbBackends: readonly string[]
  /** The builder server (the last one): a second sshd for the non-root `builder` user on `port`. */
  readonly builder: { readonly container: string; readonly ip: string; readonly user: string; readonly port: number }
  readonly dir: string
  readonly envFile: string
}

/** Resolves options into the layout of one instance; throws on a value that cannot work. */
export function layout(options: SandboxOptions = {}): Layout {
  const name = options.name ?? DEFAULT_NAME
  const count = options.servers ?? 3
  const subnet = options.subnet ?? '172.29.0'
  const lbPort = options.lbPort ?? 19080
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
    throw new Error(`sandbox name "${name}": use lowercase letters, digits and "-"`)
  if (!Number.isInteger(count) || count < 1 || count > MAX_SERVERS)
    throw new Error(`servers: ${count} is not between 1 and ${MAX_SERVERS}`)
  if (!Number.isInteger(lbPort) || lbPort < 1 || lbPort > 65535) throw new Error(`lb port ${lbPort} is not a TCP port`)
  if (options.lbBackends !== undefined && !(options.lbBackends >= 1))
    throw new Error(`lb backends: ${options.lbBackends} is not a count of servers`)
  if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(subnet))
    throw new Error(`subnet "${subnet}": give three octets, e.g. 172.29.0`)
  const gateway = `${subnet}.1`
  const servers = Array.from({ length: count }, (_, i) => ({
    container: `${name}-${i + 1}`,
    ip: `${subnet}.${11 + i}`,
  }))
  // The default instance keeps its files straight in .sandbox/ (where .sandbox/env is promised); others get a subdirectory.
  const dir = name === DEFAULT_NAME ? join(REPO_ROOT, '.sandbox') : join(REPO_ROOT, '.sandbox', 'instances', name)
  const lbBackends = servers.slice(0, Math.max(1, Math.min(options.lbBackends ?? 2, count))).map((s) => s.ip)
  return {
    name,
    count,
    subnet,
    cidr: `${subnet}.0/24`,
    gateway,
    servers,
    network: name,
    registry: `${gateway}:5443`,
    lbUrl: `http://127.0.0.1:${lbPort}`,
    lbPort,
    lbBackends,
    builder: { ...servers.at(-1)!, user: 'builder', port: BUILDER_SSH_PORT },
    dir,
    envFile: join(dir, 'env'),
  }
}

/** Options from the environment of `npm run sandbox:*`: SANDBOX_SERVERS (a count, or a sourced env's list of IPs), SANDBOX_NAME, SANDBOX_SUBNET, SANDBOX_LB_PORT, SANDBOX_LB_BACKENDS. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): SandboxOptions {
  // A sourced .sandbox/env holds lists of IPs under the same names: those mean "as many as listed".
  const count = (v: string | undefined): number | undefined => {
    const t = v?.trim()
    return t ? (/^\d+$/.test(t) ? Number(t) : t.split(/\s+/).length) : undefined
  }
  const servers = count(env.SANDBOX_SERVERS)
  const lbBackends = count(env.SANDBOX_LB_BACKENDS)
  return {
    ...(env.SANDBOX_NAME ? { name: env.SANDBOX_NAME } : {}),
    ...(servers ? { servers } : {}),
    ...(env.SANDBOX_SUBNET ? { subnet: env.SANDBOX_SUBNET.replace(/\.0\/24$/, '') } : {}),
    ...(env.SANDBOX_LB_PORT ? { lbPort: Number(env.SANDBOX_LB_PORT) } : {}),
    ...(lbBackends ? { lbBackends } : {}),
  }
}
