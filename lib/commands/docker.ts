import { cmd, or, pipe, script, type Command } from '../shell/command.ts'

// The Docker engine on a host (Kamal's Commands::Docker).

/** `docker --version` */
export const version = (): Command => cmd('docker', '--version')

/** `docker -v`: succeeds when the client is installed (Kamal's `installed?`). */
export const installed = (): Command => cmd('docker', '-v')

/** `docker version`: succeeds only when the daemon answers (Kamal's `running?`). */
export const running = (): Command => cmd('docker', 'version')

/** `docker info` */
export const info = (): Command => cmd('docker', 'info')

/** Succeeds when this user may install packages: root, or sudo/su available (Kamal's `superuser?`). */
export const superuser = (): Command =>
  script('[ "${EUID:-$(id -u)}" -eq 0 ] || command -v sudo >/dev/null || command -v su >/dev/null')

/**
 * Kamal's `install`: fetches and runs get.docker.com. Only for real servers with internet access;
 * never run in the sandbox, where every server already has Docker.
 */
export const install = (): Command =>
  pipe(
    or(
      cmd('curl', '-fsSL', 'https://get.docker.com'),
      cmd('wget', '-O', '-', 'https://get.docker.com'),
      cmd('echo', 'exit 1'),
    ),
    cmd('sh'),
  )

/** Creates the network unless it exists: idempotent, for every deploy. */
export const networkEnsure = (name: string): Command =>
  script('docker network inspect "$1" >/dev/null 2>&1 || docker network create "$1" >/dev/null', name)

/**
 * `docker version --format api=<API version>`: the API version the host's docker client speaks to
 * its engine (the client's own, negotiated down to the engine's), e.g. `api=1.41` for Docker 20.10.
 */
export const apiVersion = (): Command => cmd('docker', 'version', '--format', 'api={{.Client.APIVersion}}')

/** The version in {@link apiVersion}'s line of `stdout` (other output may surround it); undefined without one. */
export const parseApiVersion = (stdout: string): string | undefined => /^api=(\d+\.\d+)$/m.exec(stdout)?.[1]
