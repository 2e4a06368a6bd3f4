import type { Config } from '../config/types.ts'
import { cmd, pipe, script, type Command } from '../shell/command.ts'
import { andAll } from './args.ts'
import { latestImage } from './naming.ts'

// Kamal's `prune` (kamal.md §4.7). Containers: keep the newest `retain_containers` stopped ones,
// which is what bounds rollback. Images: keep every image some container of the service uses
// (running or stopped), the latest tag, and in-use dangling images.

const STOPPED = ['--filter', 'status=created', '--filter', 'status=exited', '--filter', 'status=dead']

/**
 * `docker ps -q -a --filter label=service=S [--filter label=destination=D] <stopped> | tail -n +<retain+1> | xargs -r docker rm`.
 * docker lists newest first, so the newest `retain` stopped containers survive. Kamal 1.9 did not
 * filter by destination; slipway does (as Kamal 2), so one destination's prune never eats
 * another's rollback history on a shared host.
 */
export const appContainers = (config: Config, { retain = config.retainContainers }: { retain?: number } = {}): Command =>
  pipe(
    cmd('docker', 'ps', '-q', '-a', '--filter', `label=service=${config.service}`, config.destination !== undefined && ['--filter', `label=destination=${config.destination}`], STOPPED),
    cmd('tail', '-n', `+${retain + 1}`),
    cmd('xargs', '-r', 'docker', 'rm'),
  )

/** `docker container prune --force --filter label=service=healthcheck-S`: leftovers of Kamal ≤ 1.5's healthcheck step. */
export const healthcheckContainers = (config: Config): Command =>
  cmd('docker', 'container', 'prune', '--force', '--filter', `label=service=healthcheck-${config.service}`)

/** `docker image prune --force --filter label=service=S`: dangling images of the service. */
export const danglingImages = (config: Config): Command => cmd('docker', 'image', 'prune', '--force', '--filter', `label=service=${config.service}`)

/**
 * Removes tagged images of the service except those used by any of its containers, `latest[-dest]`
 * and `<repo>:<none>`: Kamal's `docker image ls … | grep -v -w "<in use>\|<latest>\|<repo>:<none>" | while read image tag; do docker rmi $tag; done`.
 */
export const taggedImages = (config: Config): Command =>
  script(
    's=$1 latest=$2 repo=$3; ' +
      'keep="$(docker container ls -a --format "{{.Image}}\\|" --filter "label=service=$s" | tr -d "\\n")$latest\\|$repo:<none>"; ' +
      'docker image ls --filter "label=service=$s" --format "{{.ID}} {{.Repository}}:{{.Tag}}" | grep -v -w "$keep" | ' +
      'while read -r image tag; do docker rmi "$tag"; done',
    config.service,
    latestImage(config),
    config.repository,
  )

/** `prune all` in one round trip: stopped containers first (so their images become unused), then images. */
export const all = (config: Config, options: { retain?: number } = {}): Command =>
  andAll(appContainers(config, options), healthcheckContainers(config), danglingImages(config), taggedImages(config))
