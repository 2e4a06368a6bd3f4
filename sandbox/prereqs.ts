import { existsSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { DOCKER, RunError, docker, run, waitFor } from './run.ts'

/** Each program the sandbox and the e2e tests run, and the Debian package that ships it. */
const PROGRAMS: readonly { readonly path: string; readonly pkg: string }[] = [
  { path: '/usr/bin/docker', pkg: 'docker.io' },
  { path: '/usr/sbin/dockerd', pkg: 'docker.io' },
  { path: '/usr/sbin/sshd', pkg: 'openssh-server' },
  { path: '/usr/bin/ssh', pkg: 'openssh-client' },
  { path: '/usr/bin/ssh-keygen', pkg: 'openssh-client' },
  { path: '/bin/busybox', pkg: 'busybox-static' },
  { path: '/usr/bin/docker-registry', pkg: 'docker-registry' },
  { path: '/usr/sbin/nginx', pkg: 'nginx-light' },
  { path: '/usr/bin/htpasswd', pkg: 'apache2-utils' },
  { path: '/usr/bin/tini', pkg: 'tini' },
  { path: '/usr/sbin/ip', pkg: 'iproute2' },
  { path: '/usr/sbin/iptables', pkg: 'iptables' },
  { path: '/usr/bin/caddy', pkg: 'caddy' },
  { path: '/usr/bin/openssl', pkg: 'openssl' },
  { path: '/usr/bin/tar', pkg: 'tar' },
  // Not run by the sandbox itself: the e2e tests drive slipway on a real terminal through tmux.
  { path: '/usr/bin/tmux', pkg: 'tmux' },
  // Not run by the sandbox either: npm test lints the remote programs (lib/commands/sh) with it.
  { path: '/usr/bin/shellcheck', pkg: 'shellcheck' },
  // Not run by slipway: the compatibility tests compare its YAML and ERB reading with Ruby's own.
  { path: '/usr/bin/ruby', pkg: 'ruby' },
]

/** Debian packages whose programs are missing here (empty when all are present). */
export const missingPackages = (): string[] => [
  ...new Set(PROGRAMS.filter((p) => !existsSync(p.path)).map((p) => p.pkg)),
]

/** The install line a human should run for the given packages. */
export const installHint = (pkgs: readonly string[]): string =>
  `apt-get update && apt-get install -y --no-install-recommends ${pkgs.join(' ')}`

const isRoot = (): boolean => process.getuid?.() === 0

/**
 * Installs missing packages with apt-get (root only) and starts dockerd if no engine answers.
 * Where that is impossible it throws before anything was started, with what to run instead.
 */
export async function ensurePrerequisites(log: (line: string) => void): Promise<void> {
  const missing = missingPackages()
  if (missing.length > 0) {
    if (!isRoot() || !existsSync('/usr/bin/apt-get')) {
      throw new RunError(
        `the sandbox needs: ${missing.join(', ')}. As root on Debian 12, run:\n  ${installHint(missing)}`,
      )
    }
    log(`installing ${missing.join(' ')}`)
    await aptInstall(missing)
    const still = missingPackages()
    if (still.length > 0) throw new RunError(`apt-get finished but these are still missing: ${still.join(', ')}`)
  }
  if (!isRoot()) {
    throw new RunError(
      'the sandbox needs root (it creates docker networks, trusts its registry in /etc/docker/certs.d and runs nginx): run it as root, e.g. in a Debian 12 VM',
    )
  }
  await ensureDockerd(log)
}

const engineAnswers = async (): Promise<boolean> =>
  (await docker(['version', '--format', '{{.Server.Version}}'], { allowFailure: true })).code === 0

/** Starts dockerd without systemd (setsid, detached) unless an engine already answers, then waits until it does. */
async function ensureDockerd(log: (line: string) => void): Promise<void> {
  if (await engineAnswers()) return
  if (!existsSync('/usr/sbin/dockerd'))
    throw new RunError(`no docker engine answers and dockerd is missing: ${installHint(['docker.io'])}`)
  log('starting dockerd (log: /var/log/dockerd.log)')
  const out = openSync('/var/log/dockerd.log', 'a')
  // The engine is the machine's, shared with everything else; it outlives the sandbox on purpose.
  spawn('/usr/sbin/dockerd', [], { detached: true, stdio: ['ignore', out, out] }).unref()
  await waitFor(`dockerd to answer (see /var/log/dockerd.log; client ${DOCKER})`, engineAnswers, {
    timeoutMs: 30_000,
    intervalMs: 100,
  })
}

const POLICY = '/usr/sbin/policy-rc.d'

/** apt-get update once, then install; services must not start on install (nginx would take port 80, the registry :5000). */
async function aptInstall(pkgs: readonly string[]): Promise<void> {
  const env = { DEBIAN_FRONTEND: 'noninteractive' }
  // policy-rc.d exiting 101 is Debian's way to tell maintainer scripts "do not start services".
  const ours = !existsSync(POLICY)
  if (ours) writeFileSync(POLICY, '#!/bin/sh\nexit 101\n', { mode: 0o755 })
  try {
    await run(['apt-get', 'update'], { env })
    await run(['apt-get', 'install', '-y', '--no-install-recommends', ...pkgs], { env })
  } finally {
    if (ours) rmSync(POLICY, { force: true })
  }
}
