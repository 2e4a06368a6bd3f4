import type { Config, Role } from '../config/types.ts'
import type { Executor } from '../exec/executor.ts'
import * as cord from '../commands/cord.ts'
import * as health from '../commands/health.ts'
import * as traefik from '../commands/traefik.ts'
import type { CutoverParams } from './driver.ts'
import { pause } from '../run/pause.ts'

/** Kamal's TRAEFIK_UPDATE_DELAY: seconds it waits for traefik to notice a health change, used only when traefik's API cannot confirm. */
const TRAEFIK_UPDATE_DELAY = 5

// Traefik routes to every healthy container carrying a role's labels. Switching is therefore
// declarative: the new container joins once healthy; the old one leaves once its cord is cut
// (its health check then fails). Where traefik's API is reachable (`traefik.args: {api.insecure: true}`
// and curl on the host) we poll it instead of Kamal's fixed 5 s waits.

/**
 * The new container joins traefik once healthy (confirmed through traefik's API where it can be
 * reached); then the old one's cord is cut, and once traefik dropped it, `stopOld` runs.
 */
export async function cutover(remote: Executor, config: Config, role: Role, params: CutoverParams): Promise<void> {
  const { newContainer, oldContainer, stopOld, signal, log } = params
  await confirm(remote, config, role, { container: newContainer, want: 'present', signal, log })
  if (!oldContainer) return
  await drain(remote, config, role, { oldContainer, signal, log })
  if (!stopOld) return
  log?.(`Stopping ${oldContainer}`)
  const stopped = await remote.run(stopOld, { allowFailure: true })
  if (stopped.exitCode !== 0) log?.(`stopping ${oldContainer} failed (exit ${stopped.exitCode})`)
}

// Cut the old container's cord, wait until it is unhealthy, then until traefik dropped it.
async function drain(
  remote: Executor,
  config: Config,
  role: Role,
  {
    oldContainer,
    signal,
    log,
  }: { oldContainer: string; signal?: AbortSignal | undefined; log?: ((line: string) => void) | undefined },
): Promise<void> {
  const cordPath = role.healthcheck.cord
  if (cordPath === false)
    return log?.(`${oldContainer} has no cord (healthcheck.cord: false): stopping it without draining`)
  const cut = await remote.run(cord.cutCord(oldContainer, cordPath), { signal })
  if (!cut.stdout.trim()) return log?.(`${oldContainer} has no cord: stopping it without draining`)
  log?.(`Cut the cord of ${oldContainer}; waiting for it to turn unhealthy`)
  const max = role.healthcheck.maxAttempts
  const waited = await remote.run(health.waitUnhealthy(oldContainer, { timeoutSeconds: (max * (max + 1)) / 2 }), {
    allowFailure: true,
    signal,
  })
  if (waited.exitCode !== 0)
    log?.(
      `${oldContainer} still ${health.finalStatus(waited.stdout) ?? 'healthy'} after its cord was cut; stopping it anyway`,
    )
  await confirm(remote, config, role, { container: oldContainer, want: 'absent', signal, log })
}

async function confirm(
  remote: Executor,
  config: Config,
  role: Role,
  {
    container,
    want,
    signal,
    log,
  }: {
    container: string
    want: 'present' | 'absent'
    signal?: AbortSignal | undefined
    log?: ((line: string) => void) | undefined
  },
): Promise<void> {
  const result = await remote.run(traefik.waitForServer(config, role, { container, want }), {
    allowFailure: true,
    signal,
  })
  const verb = want === 'present' ? 'routes to' : 'dropped'
  if (result.exitCode === 0) return log?.(`traefik API confirmed it ${verb} ${container}`)
  const why =
    result.exitCode === 3
      ? 'traefik API not reachable'
      : `traefik API did not confirm within 30 s (${result.stdout.trim() || 'no answer'})`
  log?.(`${why}: waiting ${TRAEFIK_UPDATE_DELAY} s as Kamal does for traefik to notice ${container}`)
  await pause(TRAEFIK_UPDATE_DELAY, signal)
}
