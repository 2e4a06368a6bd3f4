import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type SandboxEnv, readEnvFile, writeEnv } from './env.ts'
import { BASE_IMAGE, imageNames } from './images.ts'
import { dockerConfig, publishImages } from './publish.ts'
import { type Layout, type SandboxOptions, layout } from './layout.ts'
import { ensureLb, stopLb } from './lb.ts'
import { withInstanceLock } from './lock.ts'
import { assertOwnedHere } from './owner.ts'
import { ensurePrerequisites } from './prereqs.ts'
import { ensureRegistry, registryPaths, stopRegistry } from './registry.ts'
import { DOCKER, docker } from './run.ts'
import { REGISTRY_USER, type SecretPaths, ensureSecrets, readPassword } from './secrets.ts'
import { ensureServerImage } from './server-image.ts'
import { ensureNetwork, existingServers, removeServers, startServer, waitForServers } from './servers.ts'

/** Where progress lines go; the CLI prints them, tests may collect them. */
export type Log = (line: string) => void

/** What `sandboxUp` did: the env it wrote, and how long it took to be ready. */
export interface UpResult {
  readonly env: SandboxEnv
  readonly envFile: string
  readonly seconds: number
  /** Servers started by this call (0 when everything was already running). */
  readonly started: number
}

/** The host's trust entry for an instance's registry. */
const hostTrust = (l: Layout): string => join('/etc/docker/certs.d', l.registry)
// Where `up` records the trust entry it wrote, so `down` removes exactly that one and no other instance's.
const trustRecord = (l: Layout): string => join(l.dir, 'host-trust')

/**
 * Brings a sandbox up, reusing whatever of it already runs: servers (resized when a count is
 * given), registry, images and load balancer; then writes its env file. Idempotent.
 */
export async function sandboxUp(options: SandboxOptions = {}, log: Log = () => {}): Promise<UpResult> {
  const started = performance.now()
  // Without an explicit count, a running sandbox keeps its size: `up` after `SANDBOX_SERVERS=5 up` stays at 5.
  const running = options.servers === undefined ? runningCount(layout(options).envFile) : undefined
  const l = layout({ ...options, ...(running ? { servers: running } : {}) })
  await ensurePrerequisites(log)
  return withInstanceLock(l.dir, () => up(l, started, log))
}

const runningCount = (envFile: string): number | undefined =>
  existsSync(envFile) ? readEnvFile(envFile).SANDBOX_SERVERS?.split(' ').filter(Boolean).length || undefined : undefined

async function up(l: Layout, started: number, log: Log): Promise<UpResult> {
  await assertOwnedHere(l, 'up')
  mkdirSync(l.dir, { recursive: true, mode: 0o700 })
  const s = await ensureSecrets(l)
  mkdirSync(hostTrust(l), { recursive: true })
  writeFileSync(trustRecord(l), hostTrust(l))
  writeFileSync(join(hostTrust(l), 'ca.crt'), readFileSync(s.caCert))
  await ensureNetwork(l)
  const [, startedServers] = await Promise.all([
    ensureRegistry(l, s)
      .then((r) => log(`registry ${l.registry}: ${r}`))
      .then(() => publishImages(l, s))
      .then((r) => log(`test images: ${r}`)),
    ensureServers(l, s, log),
  ])
  log(`load balancer ${l.lbUrl} → ${l.lbBackends.join(', ')}: ${await ensureLb(l)}`)
  const images = imageNames(l.registry)
  const env: SandboxEnv = {
    SANDBOX_NAME: l.name,
    SANDBOX_SERVERS: l.servers.map((x) => x.ip).join(' '),
    SANDBOX_SSH_USER: 'root',
    SANDBOX_SSH_KEY: s.sshKey,
    SANDBOX_KNOWN_HOSTS: s.knownHosts,
    SANDBOX_REGISTRY: l.registry,
    SANDBOX_REGISTRY_USER: REGISTRY_USER,
    SANDBOX_REGISTRY_PASSWORD: readPassword(s),
    SANDBOX_REGISTRY_CA: s.caCert,
    SANDBOX_LB_URL: l.lbUrl,
    SANDBOX_LB_BACKENDS: l.lbBackends.join(' '),
    DOCKER_CONFIG: dockerConfig(l),
    SANDBOX_BASE_IMAGE: BASE_IMAGE,
    SANDBOX_APP_IMAGE: images.app,
    SANDBOX_BROKEN_IMAGE: images.broken,
    SANDBOX_CADDY_IMAGE: images.caddy,
    SANDBOX_NETWORK: l.network,
    SANDBOX_SUBNET: l.cidr,
    SANDBOX_DOCKER: DOCKER,
    SANDBOX_BUILDER_HOST: l.builder.ip,
    SANDBOX_BUILDER_USER: l.builder.user,
    SANDBOX_BUILDER_PORT: String(l.builder.port),
    SANDBOX_BUILDER_SSHD_LOG: '/var/log/sshd-builder.log',
    SANDBOX_REGISTRY_BASE_IMAGE: images.base,
  }
  writeEnv(l.envFile, env)
  return { env, envFile: l.envFile, seconds: (performance.now() - started) / 1000, started: startedServers }
}

/** Starts the missing servers; removes extra, stopped or outdated ones (a stopped server is recreated, not resumed). */
async function ensureServers(l: Layout, s: SecretPaths, log: Log): Promise<number> {
  const image = await ensureServerImage(log)
  const existing = await existingServers(l)
  const wanted = new Set(l.servers.map((x) => x.container))
  const stale = [...existing]
    .filter(([name, c]) => !wanted.has(name) || !c.running || c.image !== image || c.dir !== l.dir)
    .map(([name]) => name)
  await removeServers(stale)
  const missing = l.servers.filter((x) => !existing.has(x.container) || stale.includes(x.container))
  await Promise.all(missing.map((x) => startServer(l, s, image, x)))
  await waitForServers(l, s)
  log(`servers: ${l.servers.length} ready (${missing.length} started, ${stale.length} removed)`)
  return missing.length
}

/**
 * Removes every container, network, process and temporary file of a sandbox. Keeps the images in
 * the host's docker, the registry's data and the keys, so the next `up` is fast.
 */
export async function sandboxDown(options: Pick<SandboxOptions, 'name'> = {}, log: Log = () => {}): Promise<void> {
  const l = layout(options)
  await withInstanceLock(l.dir, () => down(l, log))
}

async function down(l: Layout, log: Log): Promise<void> {
  await assertOwnedHere(l, 'down')
  const names = [...(await existingServers(l)).keys()]
  await removeServers(names)
  log(`servers removed: ${names.length}`)
  await docker(['network', 'rm', l.network], { allowFailure: true })
  log(`lb stopped: ${await stopLb(l)}; registry stopped: ${await stopRegistry(l)}`)
  const keep = registryPaths(l)
  rmSync(keep.log, { force: true })
  rmSync(keep.config, { force: true })
  rmSync(dockerConfig(l), { recursive: true, force: true })
  if (existsSync(trustRecord(l))) rmSync(readFileSync(trustRecord(l), 'utf8'), { recursive: true, force: true })
  rmSync(trustRecord(l), { force: true })
  rmSync(l.envFile, { force: true })
}

/** The env of a running sandbox, as written by `sandboxUp`. */
export const readEnv = (options: Pick<SandboxOptions, 'name'> = {}): Record<string, string> =>
  readEnvFile(layout(options).envFile)
