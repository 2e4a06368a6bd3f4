import type { Config } from '../config/types.ts'
import { script, type Command } from '../shell/command.ts'
import { ADMIN, CONTAINER, LEGACY_ADMIN, MOUNT, NETWORK, SOCKET, type Listen } from './caddy.ts'

// Loading caddy.json into the running caddy from the host. The admin API is a unix socket in the
// config dir, so a load is one curl (about 9 ms) where `docker exec slipway-proxy caddy reload`
// costs 90 ms idle and 2-3x that while a deploy keeps the CPUs busy. caddy 2.6.2 answers 403 over a
// unix socket unless the Host header is empty (`-H 'Host;'`), which newer caddy accepts too.
//
// Fallback, for a host without curl, a socket we may not open, or a caddy an older slipway started
// (its admin is still on localhost:2019 in its own netns): `docker exec … caddy reload --address`.
// The address must be where caddy listens now, not the one in the config being loaded (which is
// what `caddy reload` dials by default): that load is what moves the admin API to the socket.

/**
 * Shell text: `load [--force]` loads ./caddy.json (cwd: the config dir) into caddy and returns 0 once
 * caddy took it, 2 when caddy answered over the socket and rejected it, else 1; caddy's error goes
 * to stderr. `--force` reloads an unchanged config too (a new generation of caddy's servers). Reads
 * $proxy $config $sock $admin $legacy (LOAD_ARGS).
 */
export const LOAD =
  'load() { f=$1; ' +
  'if [ -S "$sock" ] && command -v curl >/dev/null 2>&1; then ' +
  'if [ -n "$f" ]; then set -- -H "Cache-Control: must-revalidate"; else set --; fi; ' +
  'if out=$(curl -sS --unix-socket "$sock" -H "Host;" -H "Content-Type: application/json" "$@" --data-binary @caddy.json -w " %{http_code}" http://localhost/load 2>&1); then ' +
  '[ "${out##* }" = 200 ] && return 0; printf "%s\\n" "${out% *}" >&2; return 2; fi; fi; ' +
  // No answer over the socket (no curl, no socket, a stale one, no permission): ask caddy from inside.
  'a=$legacy; [ -S "$sock" ] && a=$admin; docker exec "$proxy" caddy reload --config "$config" --address "$a" $f; }; '

/** LOAD's variables, in order: proxy config sock admin legacy. */
export const LOAD_ARGS = (listen: Listen = {}): string[] => [
  CONTAINER,
  `${MOUNT}/caddy.json`,
  SOCKET,
  listen.admin ?? ADMIN,
  LEGACY_ADMIN,
]

// Sets tcp_migrate_req in caddy's netns (pid $pid): caddy 2.6 opens a new SO_REUSEPORT listener on
// every reload and closes the old one, and without it the kernel resets connections still queued on
// the old listener. A restarted container has a new netns, so every boot sets it again.
const MIGRATE =
  'nsenter -t "$pid" -n sh -c "echo 1 > /proc/sys/net/ipv4/tcp_migrate_req" 2>/dev/null || echo migrate=unavailable'

/** Loads `<dir>/caddy.json` into the running caddy (`--force`: even when unchanged); exit 1 with caddy's error. */
export const reload = (dir: string, { force = false, listen }: { force?: boolean; listen?: Listen } = {}): Command =>
  script(
    'dir=$1 proxy=$2 config=$3 sock=$4 admin=$5 legacy=$6 force=$7; cd "$dir" || exit 1; ' +
      LOAD +
      'load $force || exit 1',
    dir,
    ...LOAD_ARGS(listen),
    force ? '--force' : '',
  )

/**
 * Waits until the caddy container serves its config: polls a load of `<dir>/caddy.json`, which fails
 * until the admin API is up, blocks while the initial load runs and is a no-op for an unchanged
 * config. Caddy itself confirms; no log scraping, no fixed sleep. Then sets tcp_migrate_req in its
 * netns. Exit 0 `ready` (plus `migrate=unavailable` when the sysctl could not be set); exit 1 at
 * once with caddy's error when caddy answers and rejects the config (no use waiting out the
 * timeout); exit 2 on timeout with caddy's last error.
 */
export const waitReady = (
  dir: string,
  { timeoutSeconds = 30, interval = 0.1 }: { timeoutSeconds?: number; interval?: number } = {},
): Command =>
  script(
    'dir=$1 proxy=$2 config=$3 sock=$4 admin=$5 legacy=$6 timeout=$7 interval=$8; cd "$dir" || exit 1; ' +
      LOAD +
      'deadline=$(( $(date +%s) + timeout )); ' +
      'while :; do if out=$(load 2>&1); then echo ready; break; elif [ $? -eq 2 ]; then printf "rejected: %s\\n" "$out" | tail -n 3; exit 1; fi; ' +
      'if [ "$(date +%s)" -gt "$deadline" ]; then printf "not ready: %s\\n" "$out" | tail -n 3; exit 2; fi; sleep "$interval"; done; ' +
      'pid=$(docker inspect -f "{{.State.Pid}}" "$proxy" 2>/dev/null); ' +
      MIGRATE,
    dir,
    ...LOAD_ARGS(),
    String(timeoutSeconds),
    String(interval),
  )

// One docker inspect: running, pid, image, and the networks it is attached to (`,slipway,`).
const STATE =
  '{{.State.Running}} {{.State.Pid}} {{.Config.Image}} ,{{range $k, $v := .NetworkSettings.Networks}}{{$k}},{{end}}'

/**
 * Boot where caddy already runs the configured image: load `<dir>/caddy.json` (rebuilt by the
 * caller; a no-op when unchanged) and set tcp_migrate_req, from one `docker inspect`. Its network
 * exists while caddy is attached to it. Exit 3 when caddy is not running, runs another image or is
 * off the network (the caller then boots it the full way); 1 when the load failed; 0 `ready`.
 */
export const reloadRunning = (config: Config, dir: string): Command =>
  script(
    'dir=$1 proxy=$2 config=$3 sock=$4 admin=$5 legacy=$6 image=$7 network=$8 state=$9; ' +
      'info=$(docker inspect -f "$state" "$proxy" 2>/dev/null) || exit 3; pid=${info#* }; pid=${pid%% *}; ' +
      'case $info in "true $pid $image "*",$network,"*) ;; *) exit 3;; esac; ' +
      'cd "$dir" || exit 1; ' +
      LOAD +
      'load || exit 1; echo ready; ' +
      MIGRATE,
    dir,
    ...LOAD_ARGS(),
    config.proxy.image,
    NETWORK,
    STATE,
  )
