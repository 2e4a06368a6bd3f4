import type { Config, Role } from '../config/types.ts'
import { cmd, script, type Command } from '../shell/command.ts'

// Readiness of a new container (Kamal's Healthcheck::Poller) as ONE remote script instead of one
// round trip per poll: one `docker inspect`, then the container's Docker events decide, so the wait
// ends within milliseconds of the health status changing, with no fixed sleep.

/** Kamal's status template: the health status when the container has a health check, else its state (`index`: docker 23+ CLIs reject `.State.Health` when it is absent). */
export const STATUS_FORMAT = '{{with index .State "Health"}}{{.Status}}{{else}}{{$.State.Status}}{{end}}'

/** `docker inspect --format <status template> <name>`: prints healthy, starting, unhealthy, running, exited… */
export const inspectHealth = (name: string): Command => cmd('docker', 'inspect', '--format', STATUS_FORMAT, name)

/** `docker inspect --format '{{json .State.Health}}' <name>`: the health log (null without a health check). */
export const healthLog = (name: string): Command => cmd('docker', 'inspect', '--format', '{{json .State.Health}}', name)

/** Waiting options; defaults come from the role's healthcheck and the config. */
export interface WaitParams {
  /** Give up after this many seconds; default Kamal's budget, 1+2+…+max_attempts (28 s for 7). */
  readonly timeoutSeconds?: number
  /** Seconds between two looks only when `docker events` cannot be followed (default 0.2). */
  readonly interval?: number
  /** A container without a health check must stay `running` this long (default readiness_delay). */
  readonly readinessDelay?: number
}

// The scripts below wait on Docker's events, not on a timer: a poll every 0.2 s cost up to its
// interval after the health check passed, plus a `docker inspect` per poll on hosts whose 2 cores
// are busy with the deploy. Race-free: `since` is read BEFORE each inspect, and the daemon replays
// every event from `since` on, so a change between the inspect and the subscription is not lost.
// Clocks are integer nanoseconds (dash arithmetic is 64-bit); where `date` has no %N, whole seconds
// rounded down, which only replays more. `docker events` is bounded by `--until` (the deadline) and
// killed and reaped on every exit path, signals included, so nothing outlives the script; its fifo
// is unlinked as soon as both ends are open.
const PRELUDE =
  'set -f; pid=; fifo=; status=unknown; ' +
  'now() { t=$(date +%s%N 2>/dev/null); case $t in ""|*[!0-9]*) t=$(( $(date +%s) * 1000000000 ));; esac; }; ' +
  'stamp() { printf "%d.%09d" $(( $1 / 1000000000 )) $(( $1 % 1000000000 )); }; ' +
  'hush() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; exec 3<&-; pid=; fi; [ -z "$fifo" ] || rm -f "$fifo"; fifo=; }; ' +
  'quit() { echo "$1"; exit "$2"; }; ' +
  // Every exit, a signal's or a failed redirection's included, goes through the EXIT trap.
  "trap hush EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP; " +
  // listen ID [--filter …]: the container's events from $since to $until, one `{{.Action}}` a line on fd 3.
  'listen() { fifo=${TMPDIR:-/tmp}/slipway-events.$$; rm -f "$fifo"; mkfifo -m 600 "$fifo" || { fifo=; return 1; }; ' +
  'c=$1; shift; docker events --since "$(stamp "$since")" --until "$(stamp "$until")" --filter "container=$c" "$@" --format "{{.Action}}" >"$fifo" 2>/dev/null & pid=$!; ' +
  'exec 3<"$fifo"; rm -f "$fifo"; fifo=; }; ' +
  // A subscription that ended by itself: at $until, look again at once; before it (docker events
  // failed), look again after `interval`, so a broken `docker events` degrades to polling, not a busy loop.
  'ended() { hush; now; [ "$t" -ge "$until" ] || sleep "$interval"; }; '

// One look: `since` first, then "<id> <state> <health or -> <restart count>" into $1..$4 ($1 = missing
// when there is no such container). A restart means the process died: a new container that restarts
// is failing, whatever its health says yet.
// `index .State "Health"`, not `.State.Health`: docker 23+ CLIs fail the template on a container without
// a health check ("map has no entry for key"), which read as `missing`.
const INSPECT =
  'now; since=$t; s=$(docker inspect --format \'{{.Id}} {{.State.Status}} {{with index .State "Health"}}{{.Status}}{{else}}-{{end}} {{.RestartCount}}\' "$name" 2>/dev/null) || s=missing; set -- $s; '

const ms = (seconds: number): string => String(Math.round(seconds * 1000))

/**
 * Waits in one round trip until container `name` is ready, reacting to its Docker events.
 *
 * Output protocol: the last stdout line is the final status, Kamal's words.
 * - exit 0: `healthy`, or `running` for a container without a health check that stayed running
 *   for readiness_delay seconds;
 * - exit 1 at once: `unhealthy`, `exited`, `dead`, `restarting` (it crashed at least once) or
 *   `missing` (no such container);
 * - exit 2: timed out; the line is the last status seen (e.g. `starting`).
 */
export function waitHealthy(config: Config, role: Role, name: string, params: WaitParams = {}): Command {
  const max = role.healthcheck.maxAttempts
  const { timeoutSeconds = (max * (max + 1)) / 2, interval = 0.2, readinessDelay = config.readinessDelay } = params
  return script(
    'name=$1 timeout=$2 ready=$3 interval=$4; ' +
      PRELUDE +
      'now; deadline=$(( t + timeout * 1000000 )); ready=$(( ready * 1000000 )); up=; died=; ' +
      `while :; do ${INSPECT}` +
      '[ "$1" = missing ] && quit missing 1; ' +
      // A stopped container keeps a health status (docker sets `unhealthy`), but the state says more.
      'if [ "$2" = restarting ] || [ "${4:-0}" -gt 0 ]; then status=restarting; ' +
      'elif [ "$2" = exited ] || [ "$2" = dead ] || [ "$3" = - ]; then status=$2; else status=$3; fi; ' +
      // A die event seen earlier: whatever the container does now (restart policy), it crashed.
      'if [ -n "$died" ]; then case $status in exited|dead) ;; *) status=restarting;; esac; fi; ' +
      'until=$deadline; ' +
      'case $status in ' +
      'healthy) quit healthy 0;; ' +
      'unhealthy|exited|dead|restarting) quit "$status" 1;; ' +
      'running) up=${up:-$since}; [ $(( since - up )) -ge "$ready" ] && quit running 0; [ $(( up + ready )) -lt "$deadline" ] && until=$(( up + ready ));; ' +
      '*) up=;; esac; ' +
      '[ "$since" -ge "$deadline" ] && quit "$status" 2; ' +
      // `start` too: a container seen `created` has no health or die event to wait for until it runs.
      'if listen "$1" --filter event=health_status --filter event=die --filter event=start; then ev=; ' +
      'while IFS= read -r ev <&3; do case $ev in ' +
      '"health_status: healthy") quit healthy 0;; "health_status: unhealthy") quit unhealthy 1;; die) died=1; break;; start) break;; esac; done; ' +
      // die/start: look again at once; the end of the subscription (until reached): look again.
      'case $ev in die|start) hush;; *) ended;; esac; ' +
      'else sleep "$interval"; fi; done',
    name,
    ms(timeoutSeconds),
    ms(readinessDelay),
    String(interval),
  )
}

/**
 * Waits until `name` is unhealthy or gone, after its cord was cut (Kamal's wait_for_unhealthy),
 * reacting to its Docker events like waitHealthy.
 * Exit 0 with the status (`unhealthy`, `exited`, `dead`, `missing`…); exit 2 on timeout with the last status.
 */
export function waitUnhealthy(
  name: string,
  { timeoutSeconds = 30, interval = 0.2 }: { timeoutSeconds?: number; interval?: number } = {},
): Command {
  return script(
    'name=$1 timeout=$2 interval=$3; ' +
      PRELUDE +
      'now; deadline=$(( t + timeout * 1000000 )); ' +
      `while :; do ${INSPECT}` +
      '[ "$1" = missing ] && quit missing 0; ' +
      'if [ "${3:--}" = - ]; then status=$2; else status=$3; fi; ' +
      'case $status in healthy|starting|running) ;; *) quit "$status" 0;; esac; ' +
      '[ "$since" -ge "$deadline" ] && quit "$status" 2; until=$deadline; ' +
      'if listen "$1" --filter event=health_status --filter event=die; then ev=; ' +
      'while IFS= read -r ev <&3; do case $ev in "health_status: unhealthy") quit unhealthy 0;; die) break;; esac; done; ' +
      'case $ev in die) hush;; *) ended;; esac; ' +
      'else sleep "$interval"; fi; done',
    name,
    ms(timeoutSeconds),
    String(interval),
  )
}

/**
 * What to show when a new container failed: its last `log_lines` log lines (stdout and stderr),
 * then, as the LAST line, its health log as JSON (`null` without a health check). Never fails.
 */
export const failureReport = (config: Config, role: Role, name: string): Command =>
  script(
    'docker logs --tail "$2" "$1" 2>&1; docker inspect --format "{{json .State.Health}}" "$1" 2>/dev/null || echo null',
    name,
    String(role.healthcheck.logLines),
  )

/** One entry of Docker's health log. */
interface HealthCheckRun {
  readonly ExitCode?: number
  readonly Output?: string
}

/**
 * {@link failureReport}'s output made readable: the container's last log lines, then its last
 * health checks with their exit code and output, identical runs counted once (`×3`).
 */
export function describeFailure(stdout: string): string {
  const lines = stdout.trimEnd().split('\n')
  const last = lines.pop() ?? ''
  let runs: readonly HealthCheckRun[] = []
  try {
    runs = (JSON.parse(last) as { Log?: HealthCheckRun[] } | null)?.Log ?? []
  } catch {
    lines.push(last)
  }
  const logs = lines.filter((l) => l.trim() !== '')
  const checks: { text: string; times: number }[] = []
  for (const run of runs) {
    const text = `exit ${run.ExitCode ?? '?'}: ${(run.Output ?? '').trim().replaceAll('\n', ' ') || '(no output)'}`
    const previous = checks.at(-1)
    if (previous?.text === text) previous.times++
    else checks.push({ text, times: 1 })
  }
  return [
    ...(logs.length
      ? [`container log (last ${logs.length} line${logs.length === 1 ? '' : 's'}):`, ...logs.map((l) => `  ${l}`)]
      : []),
    ...(checks.length
      ? ['last health checks:', ...checks.map((c) => `  ${c.text}${c.times > 1 ? ` (×${c.times})` : ''}`)]
      : []),
  ].join('\n')
}
