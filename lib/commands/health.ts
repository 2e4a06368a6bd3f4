import type { Config, Role } from '../config/types.ts'
import { cmd, script, type Command } from '../shell/command.ts'

// Readiness of a new container (Kamal's Healthcheck::Poller) as ONE remote shell loop instead of
// one round trip per poll: it reads the container state every `interval` seconds, with no fixed
// sleep beyond that.

/** Kamal's status template: the health status when the container has a health check, else its state. */
export const STATUS_FORMAT = '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}'

/** `docker inspect --format <status template> <name>`: prints healthy, starting, unhealthy, running, exited… */
export const inspectHealth = (name: string): Command => cmd('docker', 'inspect', '--format', STATUS_FORMAT, name)

/** `docker inspect --format '{{json .State.Health}}' <name>`: the health log (null without a health check). */
export const healthLog = (name: string): Command => cmd('docker', 'inspect', '--format', '{{json .State.Health}}', name)

/** Polling options; defaults come from the role's healthcheck and the config. */
export interface WaitParams {
  /** Give up after at least this many seconds (whole-second clock, so up to one more); default Kamal's budget, 1+2+…+max_attempts (28 s for 7). */
  readonly timeoutSeconds?: number
  /** Seconds between polls (default 0.2). */
  readonly interval?: number
  /** A container without a health check must stay `running` this long (default readiness_delay). */
  readonly readinessDelay?: number
}

// One poll reads "<state> <health or -> <restart count>" into $1 $2 $3. A restart means the process died:
// a new container that restarts is failing, whatever its health says yet.
const POLL = `s=$(docker inspect --format "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}-{{end}} {{.RestartCount}}" "$name" 2>/dev/null) || s="missing"; set -- $s`

/**
 * Waits in one round trip until container `name` is ready.
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
  const readyPolls = Math.ceil(readinessDelay / interval)
  return script(
    'name=$1 timeout=$2 interval=$3 ready=$4; deadline=$(( $(date +%s) + timeout )); up=0; status=unknown; ' +
      `while :; do ${POLL}; ` +
      'if [ "$1" = missing ]; then status=missing; elif [ "$1" = restarting ] || [ "${3:-0}" -gt 0 ]; then status=restarting; ' +
      'elif [ "$2" != - ]; then status=$2; else status=$1; fi; ' +
      'case $status in ' +
      'healthy) echo healthy; exit 0;; ' +
      'running) if [ "$up" -ge "$ready" ]; then echo running; exit 0; fi; up=$((up + 1));; ' +
      'unhealthy|exited|dead|restarting|missing) echo "$status"; exit 1;; ' +
      '*) up=0;; esac; ' +
      'if [ "$(date +%s)" -gt "$deadline" ]; then echo "$status"; exit 2; fi; sleep "$interval"; done',
    name,
    String(timeoutSeconds),
    String(interval),
    String(readyPolls),
  )
}

/**
 * Waits until `name` is unhealthy or gone, after its cord was cut (Kamal's wait_for_unhealthy).
 * Exit 0 with the status (`unhealthy`, `exited`, `dead`, `missing`…); exit 2 on timeout with the last status.
 */
export function waitUnhealthy(name: string, { timeoutSeconds = 30, interval = 0.2 }: { timeoutSeconds?: number; interval?: number } = {}): Command {
  return script(
    'name=$1 timeout=$2 interval=$3; deadline=$(( $(date +%s) + timeout )); ' +
      `while :; do ${POLL}; ` +
      'if [ "${2:--}" = - ]; then status=$1; else status=$2; fi; ' +
      'case $status in healthy|starting|running) ;; *) echo "$status"; exit 0;; esac; ' +
      'if [ "$(date +%s)" -gt "$deadline" ]; then echo "$status"; exit 2; fi; sleep "$interval"; done',
    name,
    String(timeoutSeconds),
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
