import * as caddy from '../commands/caddy.ts'
import { adminValues, type AdminParam } from '../commands/caddy-admin.ts'
import { program } from '../commands/program.ts'
import type { Command } from '../shell/command.ts'

// The caddy cutover as one program, one round trip (sh/caddy-cutover.sh, which says why draining
// takes more than counting the old container's connections): write the role's route and load it
// into caddy, then drain the old container and stop it.

/** What the cutover does besides writing the route and reloading. */
export interface CutoverParams {
  /** The container this role's route pointed at, and its app port; undefined on a first deploy. */
  readonly old?: { readonly name: string; readonly port: number } | undefined
  /** Run once the old container is drained (e.g. its `docker stop`); a simple command. */
  readonly stopOld?: Command | undefined
  /** The port caddy listens on inside its container. @default 80 */
  readonly proxyPort?: number
  /** Seconds the drain waits before stopping the old container anyway. @default 30 */
  readonly timeoutSeconds?: number
  /** Seconds between two looks at /proc. @default 0.05 */
  readonly interval?: number
  /** caddy.json's listen and admin addresses (tests run caddy on loopback ports). */
  readonly listen?: caddy.Listen
}

const hex = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0')

const CUTOVER = program<caddy.RouteParam | AdminParam | 'proxy_port' | 'old' | 'app_port' | 'timeout' | 'interval'>(
  'caddy-cutover.sh',
)

/**
 * Point the role at its new container and retire the old one, in one round trip: write the route
 * (`change`), load it into caddy; then, with an old container, wait (up to `timeoutSeconds`) until
 * caddy's previous config has finished its requests and the old container has no open connection
 * on its app port, and run `stopOld`. Read its answer with parseCutover.
 */
export function cutover(dir: string, change: caddy.RouteChange, params: CutoverParams = {}): Command {
  const { old, stopOld, proxyPort = 80, timeoutSeconds = 30, interval = 0.05, listen } = params
  if (stopOld && stopOld.kind !== 'exec') throw new Error('caddy cutover needs a simple stop command')
  return CUTOVER(
    {
      ...caddy.routeValues(dir, change, listen),
      ...adminValues(listen),
      proxy_port: hex(proxyPort),
      old: old?.name,
      app_port: hex(old?.port ?? 0),
      timeout: timeoutSeconds,
      interval,
    },
    stopOld?.kind === 'exec' ? stopOld.argv : [],
  )
}

/** What the cutover program reported. */
export interface CutoverResult {
  readonly switched: boolean
  /** `drained`, `gone`, `unobservable`, `timeout proxy <n>` or `timeout app <n>`; undefined without an old container. */
  readonly drain: string | undefined
  /** stopOld's exit status, if it ran. */
  readonly stopped: number | undefined
  /** The forced second reload failed (the drain may then have waited for idle keep-alive clients). */
  readonly forceFailed: boolean
}

/** Parses the cutover program's stdout (its protocol: sh/caddy-cutover.sh). */
export function parseCutover(stdout: string): CutoverResult {
  const lines = stdout.split('\n').map((l) => l.trim())
  const value = (key: string): string | undefined => lines.find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1)
  const stopped = value('stopped')
  return {
    switched: lines.includes('switched'),
    drain: value('drain'),
    stopped: stopped === undefined ? undefined : Number(stopped),
    forceFailed: value('force') === 'failed',
  }
}
