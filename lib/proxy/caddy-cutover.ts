import * as caddy from '../commands/caddy.ts'
import { LOAD, LOAD_ARGS } from '../commands/caddy-admin.ts'
import { script, type Arg, type Command } from '../shell/command.ts'

// The caddy cutover as one script, one round trip: write the role's route and load it into caddy
// through its admin socket (under the route lock; see caddy-admin.ts), then drain the old container
// and stop it.
//
// Why draining needs more than the old container's open connections: caddy's reload is graceful.
// Requests that the previous config's server had accepted keep running on the previous config, so
// they still go to the old container, and a request that has not dialled it yet (reading headers,
// resolving the container name, waiting for CPU on a loaded host) shows no connection there. If the
// old container is stopped then, that request gets a 502. So the script also waits until every
// client connection caddy held right after the reload has closed. Caddy's previous server accepts
// nothing after the reload and closes each of its connections after the request in flight, so
// once those connections are gone no request can reach the old container any more. A forced second
// reload makes the same true of the few connections the new server accepted before the snapshot:
// otherwise a keep-alive client among them would hold the drain until its timeout.

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

// Prints `key address-pair` lines: open (established or close-wait) server-side connections on port
// "$2" in the network namespace of pid "$1"; with $3 = held, only those also in $held.
const CONNS =
  'conns() { cat "/proc/$1/net/tcp" "/proc/$1/net/tcp6" 2>/dev/null | held="$held" awk -v p=":$2" -v only="$3" ' +
  '\'BEGIN { n = split(ENVIRON["held"], h, "\\n"); for (i = 1; i <= n; i++) want[h[i]] = 1 } ' +
  '($4 == "01" || $4 == "08") && substr($2, length($2) - 4) == p && (only == "" || (($2 "-" $3) in want)) { print $2 "-" $3 }\'; }; '

const SCRIPT =
  'dir=$1 name=$2 route=$3 prio=$4 head=$5 tail=$6 proxy=$7 config=$8 pport=$9; shift 9; ' +
  'old=$1 aport=$2 timeout=$3 interval=$4 sock=$5 admin=$6 legacy=$7; shift 7; ' +
  caddy.WRITE_ROUTES +
  LOAD +
  // Both pids before the reload (a reload keeps them, and one docker call serves both), so the
  // snapshot right after it is only /proc reads and the forced reload follows at once.
  'ppid=; opid=; if [ -n "$old" ]; then k=; for w in $(docker inspect -f "{{.Name}} {{.State.Pid}}" "$proxy" "$old" 2>/dev/null); do ' +
  'case $k in "/$proxy") ppid=$w;; "/$old") opid=$w;; esac; k=$w; done; fi; ' +
  'load || exit 1; echo switched; ' +
  '[ -n "$old" ] || exit 0; ' +
  CONNS +
  // Right after the reload: every connection the previous config's server still holds.
  'held=; [ -r "/proc/$ppid/net/tcp" ] && held=$(conns "$ppid" "$pport"); ' +
  'load --force >/dev/null 2>&1 || echo "force=failed"; exec 9>&-; ' +
  'deadline=$(( $(date +%s) + timeout )); ' +
  // Not running at the reload (pid 0 or none), or exited since: nothing to drain.
  'case $opid in ""|0) opid=;; esac; [ -n "$opid" ] && [ ! -d "/proc/$opid" ] && opid=; ' +
  'if [ -z "$opid" ]; then echo drain=gone; else ' +
  'if [ ! -r "/proc/$opid/net/tcp" ] || [ ! -r "/proc/$ppid/net/tcp" ]; then echo drain=unobservable; else ' +
  'while held=$(conns "$ppid" "$pport" held); [ -n "$held" ]; do [ "$(date +%s)" -gt "$deadline" ] && break; sleep "$interval"; done; ' +
  'zero=0; n=0; while [ -z "$held" ]; do n=$(conns "$opid" "$aport" | wc -l); ' +
  'if [ "$n" -eq 0 ]; then zero=$((zero + 1)); [ "$zero" -ge 2 ] && break; else zero=0; fi; ' +
  '[ "$(date +%s)" -gt "$deadline" ] && break; sleep "$interval"; done; ' +
  'if [ -n "$held" ]; then echo "drain=timeout proxy $(printf "%s\\n" "$held" | wc -l)"; elif [ "$zero" -ge 2 ]; then echo drain=drained; else echo "drain=timeout app $n"; fi; fi; fi; ' +
  'if [ $# -gt 0 ]; then "$@" >/dev/null; echo "stopped=$?"; fi'

/**
 * Point the role at its new container and retire the old one, in one round trip: write the route
 * (`change`) and rebuild caddy.json under the route lock, load it into caddy; then, with an old
 * container, wait (up to `timeoutSeconds`) until caddy's previous config has finished its requests
 * and the old container has no open connection on its app port (seen twice), and run `stopOld`.
 * Exits 1 with caddy's error when the reload fails (nothing was drained or stopped). Prints
 * `switched`, then `drain=drained|gone|unobservable|timeout …` and `stopped=<exit>`: see parseCutover.
 */
export function cutover(dir: string, change: caddy.RouteChange, params: CutoverParams = {}): Command {
  const { old, stopOld, proxyPort = 80, timeoutSeconds = 30, interval = 0.05, listen } = params
  if (stopOld && stopOld.kind !== 'exec') throw new Error('caddy cutover needs a simple stop command')
  const stop: readonly Arg[] = stopOld?.kind === 'exec' ? stopOld.argv : []
  // prettier-ignore
  return script(
    SCRIPT,
    ...caddy.routeArgs(dir, change, listen), caddy.CONTAINER, `${caddy.MOUNT}/caddy.json`, hex(proxyPort),
    old?.name ?? '', hex(old?.port ?? 0), String(timeoutSeconds), String(interval), ...LOAD_ARGS(listen).slice(2),
    ...stop,
  )
}

/** What the cutover script reported. */
export interface CutoverResult {
  readonly switched: boolean
  /** `drained`, `gone`, `unobservable`, `timeout proxy <n>` or `timeout app <n>`; undefined without an old container. */
  readonly drain: string | undefined
  /** stopOld's exit status, if it ran. */
  readonly stopped: number | undefined
  /** The forced second reload failed (the drain may then have waited for idle keep-alive clients). */
  readonly forceFailed: boolean
}

/** Parses the cutover script's stdout. */
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
