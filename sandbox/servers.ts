import type { Layout } from './layout.ts'
import type { SecretPaths } from './secrets.ts'
import { docker, run, waitFor } from './run.ts'

/** The label on everything a sandbox creates in the host's docker, valued with the instance name. */
export const LABEL = 'slipway.sandbox.instance'
/** The label naming the state directory (so the checkout) an instance's servers and network belong to. */
export const DIR_LABEL = 'slipway.sandbox.dir'

/** Creates the instance's bridge network unless it exists; refuses one with another subnet. */
export async function ensureNetwork(l: Layout): Promise<void> {
  const found = await docker(
    ['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', l.network],
    { allowFailure: true },
  )
  if (found.code === 0) {
    if (found.stdout.trim() !== l.cidr)
      throw new Error(
        `network ${l.network} exists with subnet ${found.stdout.trim()}, not ${l.cidr}: run sandbox:down first`,
      )
    return
  }
  // prettier-ignore
  await docker(['network', 'create', '--driver', 'bridge',
    '--subnet', l.cidr, '--gateway', l.gateway,
    '--label', `${LABEL}=${l.name}`, '--label', `${DIR_LABEL}=${l.dir}`,
    // A readable bridge name (≤ 15 chars) so `ip addr` shows which sandbox owns the gateway address.
    '--opt', `com.docker.network.bridge.name=sbx${l.subnet.split('.').slice(1).join('-')}`,
    l.network])
}

/** A server container as found in the host's docker. */
export interface FoundServer {
  readonly running: boolean
  readonly image: string
  /** The state directory whose keys it mounts: a checkout elsewhere has other keys. */
  readonly dir: string
}

/** This instance's server containers that exist, running or not, by name. */
export async function existingServers(l: Layout): Promise<Map<string, FoundServer>> {
  const format = `{{.Names}}\t{{.State}}\t{{.Image}}\t{{.Label "${DIR_LABEL}"}}`
  const { stdout } = await docker(['ps', '--all', '--filter', `label=${LABEL}=${l.name}`, '--format', format])
  const found = new Map<string, FoundServer>()
  for (const line of stdout.trim().split('\n').filter(Boolean)) {
    const [name, state, image, dir] = line.split('\t') as [string, string, string, string]
    found.set(name, { running: state === 'running', image, dir })
  }
  return found
}

/** Starts one server container: its own dockerd and sshd, fixed IP, host /usr read-only, keys and registry CA mounted. */
export async function startServer(
  l: Layout,
  s: SecretPaths,
  image: string,
  server: { container: string; ip: string },
): Promise<void> {
  // prettier-ignore
  await docker(['run', '--detach', '--name', server.container, '--hostname', server.container,
    '--network', l.network, '--ip', server.ip,
    '--label', `${LABEL}=${l.name}`, '--label', `${DIR_LABEL}=${l.dir}`,
    // --privileged fails on this kind of VM (no CAP_SYS_RESOURCE); this is the set that works (docs/sandbox.md).
    '--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE',
    '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined', '--security-opt', 'systempaths=unconfined',
    '--device-cgroup-rule', 'a *:* rwm',
    // --mount, not -v: the registry's certs.d entry has a colon in its name.
    '--mount', 'type=bind,src=/usr,dst=/usr,readonly',
    '--mount', `type=bind,src=${s.serverSshDir},dst=/etc/ssh/sandbox,readonly`,
    '--mount', `type=bind,src=${s.certsD},dst=/etc/docker/certs.d,readonly`,
    // An anonymous volume: the inner engine's overlay2 needs a real filesystem, and `rm -v` drops it.
    '--mount', 'type=volume,dst=/var/lib/docker',
    ...(server.container === l.builder.container ? ['--env', `SANDBOX_BUILDER_PORT=${l.builder.port}`] : []),
    image])
}

/** Removes server containers (and their anonymous volumes) by name. */
export async function removeServers(names: readonly string[]): Promise<void> {
  if (names.length > 0) await docker(['rm', '--force', '--volumes', ...names])
}

/** The ssh argv prefix for a server: the sandbox key, its known_hosts, no agent or user config. */
const sshArgv = (s: SecretPaths, ip: string): string[] => [
  'ssh',
  '-F',
  'none',
  '-i',
  s.sshKey,
  '-o',
  'IdentitiesOnly=yes',
  '-o',
  'BatchMode=yes',
  '-o',
  `UserKnownHostsFile=${s.knownHosts}`,
  '-o',
  'StrictHostKeyChecking=yes',
  '-o',
  'ConnectTimeout=2',
  '-o',
  'LogLevel=ERROR',
  `root@${ip}`,
]

/** True when the server takes our key over ssh and its own docker engine answers there. */
export async function serverReady(s: SecretPaths, ip: string): Promise<boolean> {
  const r = await run([...sshArgv(s, ip), 'docker', 'version', '--format', '{{.Server.Version}}'], {
    allowFailure: true,
  })
  return r.code === 0 && r.stdout.trim() !== ''
}

/** Waits for every server to be ready (ssh + inner engine), polling each in parallel. */
export async function waitForServers(l: Layout, s: SecretPaths): Promise<void> {
  await Promise.all(
    l.servers.map((server) =>
      waitFor(`ssh + docker on ${server.container} (${server.ip})`, () => serverReady(s, server.ip), {
        timeoutMs: 60_000,
        intervalMs: 100,
      }),
    ),
  )
}
