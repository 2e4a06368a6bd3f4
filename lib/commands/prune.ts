import type { Config } from '../config/types.ts'
import { script, type Command } from '../shell/command.ts'
import { andAll } from './args.ts'
import { latestImage } from './naming.ts'

// Kamal's `prune` (kamal.md §4.7). Containers: keep the newest `retain_containers` stopped ones,
// which is what bounds rollback. Images: keep every image some container of the service uses
// (running or stopped), the latest tag, and in-use dangling images.
//
// Kamal runs six docker commands or more for this; every docker CLI call costs 20 ms of CPU or
// more and prune ends every deploy, so both scripts read docker's state once and act in one call:
// 2 to 5 docker calls in all, depending on what there is to remove.

/**
 * Removes stopped containers: the service's beyond the newest `retain` (docker lists newest first),
 * and every stopped leftover of Kamal ≤ 1.5's healthcheck step (label `service=healthcheck-S`). One
 * `docker ps` of all stopped containers, then one `docker rm` when there is something to remove.
 * With a destination only its containers count, so one destination's prune never eats another's
 * rollback history on a shared host (Kamal 1.9 did not filter by destination; Kamal 2 does).
 */
export const containers = (config: Config, { retain = config.retainContainers }: { retain?: number } = {}): Command =>
  script(
    's=$1 d=$2 keep=$3; ' +
      'stopped=$(docker ps -a --filter status=created --filter status=exited --filter status=dead ' +
      '--format "{{.ID}} {{.Label \\"service\\"}} {{.Label \\"destination\\"}}") || exit 1; ' +
      'ids=$(printf "%s\\n" "$stopped" | awk -v s="$s" -v d="$d" -v keep="$keep" ' +
      '\'$2 == s && (d == "" || $3 == d) { if (++n > keep) print $1; next } $2 == "healthcheck-" s { print $1 }\'); ' +
      'if [ -n "$ids" ]; then docker rm $ids >/dev/null || exit 1; fi',
    config.service,
    config.destination ?? '',
    String(retain),
  )

/**
 * Removes the service's images that no container uses: tags other than `latest[-dest]`,
 * `<repo>:<none>` and those any container of the service runs (Kamal's `docker image ls … | grep -v -w
 * "<in use>\|<latest>\|<repo>:<none>"`), in one `docker rmi`; then, only when there are any, dangling
 * ones through `docker image prune`, which leaves those a container still uses.
 */
export const images = (config: Config): Command =>
  script(
    's=$1 latest=$2 repo=$3; ' +
      'used=$(docker container ls -a --format "{{.Image}}\\|" --filter "label=service=$s" | tr -d "\\n") || exit 1; ' +
      'list=$(docker image ls --filter "label=service=$s" --format "{{.ID}} {{.Repository}}:{{.Tag}}") || exit 1; ' +
      'tags=$(printf "%s\\n" "$list" | grep -v -w "$used$latest\\|$repo:<none>" | awk \'$2 != "<none>:<none>" { print $2 }\'); ' +
      'if [ -n "$tags" ]; then docker rmi $tags >/dev/null || exit 1; fi; ' +
      'case $list in *"<none>:<none>"*) docker image prune --force --filter "label=service=$s" >/dev/null;; esac',
    config.service,
    latestImage(config),
    config.repository,
  )

/** `prune all` in one round trip: stopped containers first (so their images become unused), then images. */
export const all = (config: Config, options: { retain?: number } = {}): Command =>
  andAll(containers(config, options), images(config))
