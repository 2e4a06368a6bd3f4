import type { Config } from '../config/types.ts'
import type { Command } from '../shell/command.ts'
import { absoluteImage, latestImage } from './naming.ts'
import { program } from './program.ts'

// Kamal's `prune`. Containers: keep the newest `retain_containers` stopped ones,
// which is what bounds rollback. Images: keep every image some container of the service uses
// (running or stopped), the latest tag, and in-use dangling images.
//
// Kamal runs six docker commands or more for this; every docker CLI call costs CPU the servers'
// health checks need, and prune ends every deploy, so the scripts read docker's state once and act in one call:
// 2 to 5 docker calls in all, depending on what there is to remove, and `all` runs its listings at once.

const CONTAINERS = program<'service' | 'destination' | 'keep'>('prune-containers.sh')
const IMAGES = program<'service' | 'latest' | 'repository'>('prune-images.sh')
const ALL = program<'service' | 'destination' | 'keep' | 'latest' | 'repository' | 'image'>('prune-all.sh')

/**
 * Removes stopped containers beyond the newest `retain` of the service (sh/prune-containers.sh).
 * With a destination only its containers count, so one destination's prune never eats another's
 * rollback history on a shared host (Kamal 1.9 did not filter by destination; Kamal 2 does).
 */
export const containers = (config: Config, { retain = config.retainContainers }: { retain?: number } = {}): Command =>
  CONTAINERS({ service: config.service, destination: config.destination, keep: retain })

/** Removes the service's images that no container uses, keeping the latest tag (sh/prune-images.sh). */
export const images = (config: Config): Command =>
  IMAGES({ service: config.service, latest: latestImage(config), repository: config.repository })

/**
 * `prune all` in one program (sh/prune-all.sh): stopped containers first (so their images become
 * unused), then images; with `tag`, `docker tag <that version> <latest>` first, and nothing is
 * removed unless it succeeded (the program prints {@link TAGGED} then). `stopping` names containers
 * a `docker stop` is stopping beside it: they count as the stopped containers they are about to be,
 * so the same ones are kept as after the stop, and are left for the next prune.
 */
export const all = (
  config: Config,
  {
    retain = config.retainContainers,
    tag,
    stopping = [],
  }: { retain?: number; tag?: string; stopping?: readonly string[] } = {},
): Command =>
  ALL(
    {
      service: config.service,
      destination: config.destination,
      keep: retain,
      latest: latestImage(config),
      repository: config.repository,
      image: tag === undefined ? undefined : absoluteImage(config, tag),
    },
    stopping,
  )

/** What {@link all} prints once the latest tag moved. */
export const TAGGED = 'tagged'
