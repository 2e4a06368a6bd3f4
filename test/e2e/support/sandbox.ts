import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { quote } from '../../../lib/shell/command.ts'
import { readEnv } from '../../../sandbox/api.ts'

/** The sandbox env (`.sandbox/env`, written by `sandbox:up` / the e2e global setup). */
export interface SandboxEnv {
  readonly servers: readonly string[]
  readonly sshUser: string
  readonly sshKey: string
  readonly knownHosts: string
  readonly registry: string
  readonly registryUser: string
  readonly registryPassword: string
  readonly lbUrl: string
  readonly lbBackends: readonly string[]
  readonly dockerConfig: string
  readonly baseImage: string
  readonly appImage: string
  readonly brokenImage: string
  readonly caddyImage: string
  readonly network: string
  readonly docker: string
  /** Every variable as written, e.g. for a child process's env. */
  readonly raw: Readonly<Record<string, string>>
}

/** Reads the running sandbox's env (instance `name`, else $SANDBOX_NAME, else the default); throws with what to run when it is not up. */
export function readSandboxEnv(name = process.env.SANDBOX_NAME): SandboxEnv {
  let raw: Record<string, string>
  try {
    raw = readEnv(name ? { name } : {})
  } catch (cause) {
    throw new Error(
      'the sandbox is not up (no .sandbox/env): run `npm run sandbox:up` (the e2e global setup does it)',
      { cause },
    )
  }
  const get = (k: string): string => raw[k] ?? ''
  return {
    servers: get('SANDBOX_SERVERS').split(' ').filter(Boolean),
    sshUser: get('SANDBOX_SSH_USER'),
    sshKey: get('SANDBOX_SSH_KEY'),
    knownHosts: get('SANDBOX_KNOWN_HOSTS'),
    registry: get('SANDBOX_REGISTRY'),
    registryUser: get('SANDBOX_REGISTRY_USER'),
    registryPassword: get('SANDBOX_REGISTRY_PASSWORD'),
    lbUrl: get('SANDBOX_LB_URL'),
    lbBackends: get('SANDBOX_LB_BACKENDS').split(' ').filter(Boolean),
    dockerConfig: get('DOCKER_CONFIG'),
    baseImage: get('SANDBOX_BASE_IMAGE'),
    appImage: get('SANDBOX_APP_IMAGE'),
    brokenImage: get('SANDBOX_BROKEN_IMAGE'),
    caddyImage: get('SANDBOX_CADDY_IMAGE'),
    network: get('SANDBOX_NETWORK'),
    docker: get('SANDBOX_DOCKER') || '/usr/bin/docker',
    raw,
  }
}

/** What a finished process left behind. */
export interface Output {
  readonly stdout: string
  readonly stderr: string
  readonly code: number | null
}

/** Runs a local program (argv, no shell); rejects on a non-zero exit unless `allowFailure`. */
export function exec(
  argv: readonly string[],
  { input, env, allowFailure = false }: { input?: string; env?: Record<string, string>; allowFailure?: boolean } = {},
): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0 && !allowFailure)
        reject(new Error(`${argv.slice(0, 3).join(' ')} … exited with ${code}: ${stderr.trim() || stdout.trim()}`))
      else resolve({ stdout, stderr, code })
    })
    child.stdin.on('error', () => {})
    child.stdin.end(input)
  })
}

/**
 * Runs a POSIX sh script on a sandbox server with the system ssh client and the sandbox key. The
 * script goes through `sh -c` so the remote login shell's grammar never matters. Connections are
 * multiplexed (10 s persist), so repeated calls cost milliseconds, not a handshake each.
 */
export function sshExec(
  host: string,
  script: string,
  options: { input?: string; allowFailure?: boolean; env?: SandboxEnv } = {},
): Promise<Output> {
  const env = options.env ?? readSandboxEnv()
  // prettier-ignore
  const argv = ['ssh', '-F', 'none', '-i', env.sshKey, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
    '-o', `UserKnownHostsFile=${env.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR',
    // One master per host *and key*: a call with another key must authenticate for itself.
    '-o', 'ControlMaster=auto', '-o', `ControlPath=/tmp/slipway-sbx-${createHash('sha256').update(env.sshKey).digest('hex').slice(0, 8)}-%C`, '-o', 'ControlPersist=10',
    `${env.sshUser}@${host}`, `sh -c ${quote(script)}`]
  return exec(argv, {
    ...(options.input !== undefined ? { input: options.input } : {}),
    allowFailure: options.allowFailure ?? false,
  })
}

/** A service name no other test or run uses: `prefix-<8 hex>`, lowercase as service names must be. */
export const uniqueService = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`

/** GET over plain HTTP (the load balancer); resolves with status, body and headers, never throws on a status. */
export function httpGet(
  url: string,
  timeoutMs = 10_000,
  headers: Readonly<Record<string, string>> = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs, headers: { connection: 'close', ...headers } }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)))
    req.end()
  })
}

/** Polls a container's health on a server until `want` (resolves with the seconds it took) or throws after `timeoutMs`. */
export async function waitForHealth(
  host: string,
  container: string,
  want: 'healthy' | 'unhealthy',
  timeoutMs = 15_000,
): Promise<{ seconds: number; seen: string[] }> {
  const started = performance.now()
  const seen: string[] = []
  for (;;) {
    const { stdout } = await sshExec(host, `docker inspect --format '{{.State.Health.Status}}' ${quote(container)}`)
    const status = stdout.trim()
    if (seen.at(-1) !== status) seen.push(status)
    if (status === want) return { seconds: (performance.now() - started) / 1000, seen }
    if (performance.now() - started > timeoutMs)
      throw new Error(`${container} on ${host} not ${want} after ${timeoutMs} ms (states: ${seen.join(' → ')})`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
