import { Secret } from '../shell/command.ts'
import type { Accessory, Boot, Builder, Proxy, Registry, SshConfig, Traefik } from './types.ts'
import { normalizeEnv, secretValue, type Resolve } from './normalize-env.ts'
import { parseHosts } from './normalize-roles.ts'
import type { DeployYml } from './schema.ts'

/** `registry:` with username/password looked up when written as `[ENV_NAME]`. */
export function normalizeRegistry(yml: DeployYml['registry'], resolve: Resolve): Registry {
  const { username, password } = yml
  return {
    server: yml.server,
    // A looked-up user name is not a secret in Kamal either; only the password is redacted.
    username:
      typeof username === 'string' ? username : secretValue(resolve, username[0], ['registry', 'username', 0]).value,
    password:
      typeof password === 'string'
        ? new Secret(password)
        : secretValue(resolve, password[0], ['registry', 'password', 0]),
  }
}

/** `ssh:` + `sshkit:` with Kamal's defaults. */
export function normalizeSsh(yml: DeployYml): SshConfig {
  const ssh = yml.ssh ?? {}
  return {
    user: ssh.user ?? 'root',
    port: ssh.port ?? 22,
    proxy: ssh.proxy === undefined ? undefined : ssh.proxy.includes('@') ? ssh.proxy : `root@${ssh.proxy}`,
    proxyCommand: ssh.proxy_command,
    keys: ssh.keys ?? [],
    keyData: (ssh.key_data ?? []).map((k) => new Secret(k)),
    keysOnly: ssh.keys_only ?? false,
    logLevel: ssh.log_level ?? 'fatal',
    verifyHostKey: ssh.verify_host_key ?? 'accept-new',
    maxConcurrentStarts: yml.sshkit?.max_concurrent_starts ?? 30,
    connectTimeout: ssh.connect_timeout ?? 15,
    keepaliveInterval: ssh.keepalive_interval ?? 5,
    keepaliveMaxcount: ssh.keepalive_maxcount ?? 3,
    poolIdleTimeout: yml.sshkit?.pool_idle_timeout ?? 900,
  }
}

/** `builder:` with Kamal's defaults. */
export function normalizeBuilder(yml: DeployYml): Builder {
  const b = yml.builder ?? {}
  return {
    multiarch: b.multiarch ?? true,
    localArch: b.local?.arch,
    localHost: b.local?.host,
    remoteArch: b.remote?.arch,
    remoteHost: b.remote?.host,
    cache: b.cache && {
      type: b.cache.type,
      options: b.cache.options,
      image: b.cache.image ?? `${yml.image}-build-cache`,
    },
    context: b.context,
    dockerfile: b.dockerfile ?? 'Dockerfile',
    target: b.target,
    // Kamal passes a blank value as the bare name (`--build-arg NAME`): an ERB tag that printed nothing stays valid.
    args: Object.fromEntries(Object.entries(b.args ?? {}).map(([name, value]) => [name, value ?? ''])),
    secrets: b.secrets ?? [],
    ssh: b.ssh,
  }
}

/** `accessories:` with hosts resolved from host / hosts / roles (rules.ts checks there is exactly one). */
export function normalizeAccessories(
  yml: DeployYml,
  roleHosts: ReadonlyMap<string, readonly string[]>,
  resolve: Resolve,
): Accessory[] {
  return Object.entries(yml.accessories ?? {}).map(([name, a]) => {
    const hosts =
      a.host !== undefined
        ? [a.host]
        : a.hosts !== undefined
          ? parseHosts(a.hosts).hosts
          : (a.roles ?? []).flatMap((r) => roleHosts.get(r) ?? [])
    return {
      name,
      service: a.service ?? `${yml.service}-${name}`,
      image: a.image,
      hosts: [...new Set(hosts)],
      cmd: a.cmd,
      port: a.port === undefined ? undefined : a.port.includes(':') ? a.port : `${a.port}:${a.port}`,
      labels: { ...a.labels },
      options: { ...a.options },
      env: normalizeEnv(a.env, resolve, ['accessories', name, 'env']),
      files: (a.files ?? []).map((f) => pair(f, 'local', 'remote')),
      directories: (a.directories ?? []).map((d) => pair(d, 'host', 'container')),
      volumes: a.volumes ?? [],
    }
  })
}

// `local:remote` splits at the first colon, as Kamal's `split(":")` on two-part values.
function pair<A extends string, B extends string>(value: string, a: A, b: B): Record<A | B, string> {
  const at = value.indexOf(':')
  const [left, right] = at < 0 ? [value, value] : [value.slice(0, at), value.slice(at + 1)]
  return { [a]: left, [b]: right } as Record<A | B, string>
}

/** `traefik:` with Kamal 1.9's defaults. */
export function normalizeTraefik(yml: DeployYml, resolve: Resolve): Traefik {
  const t = yml.traefik ?? {}
  return {
    image: t.image ?? 'traefik:v2.11',
    ...hostPort(t.host_port ?? '80'),
    publish: t.publish ?? true,
    labels: { ...t.labels },
    args: { ...t.args },
    options: { ...t.options },
    env: normalizeEnv(t.env, resolve, ['traefik', 'env']),
  }
}

/** slipway's `proxy:`; for traefik the image and port come from `traefik:` unless given. */
export function normalizeProxy(yml: DeployYml, traefik: Traefik): Proxy {
  const p = yml.proxy ?? {}
  const kind = p.kind ?? 'traefik'
  return {
    kind,
    // An empty caddy image is reported by rules.ts ("required when kind is caddy").
    image: p.image ?? (kind === 'traefik' ? traefik.image : ''),
    ...(p.host_port !== undefined
      ? hostPort(p.host_port)
      : kind === 'traefik'
        ? { hostPort: traefik.hostPort, hostIp: traefik.hostIp }
        : { hostPort: 80 }),
    appPort: p.app_port ?? 80,
    hosts: p.hosts ?? (p.host === undefined ? [] : [p.host]),
    options: { ...p.options },
  }
}

/** `"8080"` → port 8080; `"10.0.0.3:80"` → port 80 on address 10.0.0.3 (Kamal publishes `<host_port>:80`). */
function hostPort(text: string): { hostPort: number; hostIp?: string } {
  const at = text.lastIndexOf(':')
  return at < 0 ? { hostPort: Number(text) } : { hostPort: Number(text.slice(at + 1)), hostIp: text.slice(0, at) }
}

/** `boot:`; a percentage limit is resolved against all hosts (roles and accessories), at least 1. */
export function normalizeBoot(yml: DeployYml, allHosts: number): Boot {
  const limit = yml.boot?.limit
  return {
    limit: typeof limit === 'string' ? Math.max(Math.floor((allHosts * parseInt(limit, 10)) / 100), 1) : limit,
    wait: yml.boot?.wait,
  }
}
