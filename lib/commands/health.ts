import type { Config, Role } from '../config/types.ts'
import { cmd, type Command } from '../shell/command.ts'
import { program } from './program.ts'

// Readiness of a new container (Kamal's Healthcheck::Poller) as ONE remote script instead of one
// round trip per poll: one `docker inspect`, then the container's Docker events decide, so the wait
// ends within milliseconds of the health status changing, with no fixed sleep.

/** Waiting options; defaults come from the role's healthcheck and the config. */
interface WaitParams {
  /** Give up after this many seconds; default Kamal's budget, 1+2+…+max_attempts (28 s for 7). */
  readonly timeoutSeconds?: number
  /** Seconds between two looks only when `docker events` cannot be followed (default 0.2). */
  readonly interval?: number
  /** A container without a health check must stay `running` this long (default readiness_delay). */
  readonly readinessDelay?: number
  /**
   * While Docker says `starting`, also run the container's own health command every this many
   * seconds from the start, and proceed when it passes (sh/include/own-check.sh); default: Docker decides alone.
   */
  readonly checkEvery?: number | undefined
  /** The container's `--health-cmd` when the caller set it: the own check then need not read it from the container. */
  readonly checkCommand?: string | undefined
}

/** Seconds between the early health checks: Docker's `--health-start-interval`, or the wait's own check. */
export const EARLY_CHECK_SECONDS = 0.2

/** The Engine API version from which `docker run` takes `--health-start-interval` (Docker Engine 25). */
export const START_INTERVAL_API = '1.44'

/** Whether an engine of Docker API `api` (e.g. `1.41`, unknown: undefined) runs health checks at a start interval. */
export function startIntervalSupported(api: string | undefined): boolean {
  const [major, minor] = (api ?? '').split('.').map(Number)
  const [wantMajor, wantMinor] = START_INTERVAL_API.split('.').map(Number) as [number, number]
  if (major === undefined || minor === undefined || Number.isNaN(major) || Number.isNaN(minor)) return false
  return major > wantMajor || (major === wantMajor && minor >= wantMinor)
}

/**
 * How a new container is known healthy soon after its health command first passes, not one
 * `interval` after its start:
 * - `start-interval`: the engine runs the check every EARLY_CHECK_SECONDS during a start period of one
 *   interval (Engine 25+, only where slipway sets the health command: the role's health arguments);
 * - `own`: the wait runs the container's own health command itself and proceeds when it passes,
 *   while Docker still says `starting`; not for a proxy that routes only containers Docker calls
 *   healthy (traefik): there the new container would get no traffic yet;
 * - `docker`: Docker's own checks decide, the first one `interval` after the start.
 */
export type EarlyCheck = 'start-interval' | 'own' | 'docker'

/** Which {@link EarlyCheck} a role's new container gets on an engine of API `api`. */
export function earlyCheck(
  role: Role,
  { api, routesOnDockerHealth }: { api: string | undefined; routesOnDockerHealth: boolean },
): EarlyCheck {
  if (role.healthArgs && startIntervalSupported(api)) return 'start-interval'
  return role.proxy && routesOnDockerHealth ? 'docker' : 'own'
}

// The waits react to the container's Docker events instead of polling on a timer (see
// sh/include/container-events.sh); each program documents its output.
const WAIT_HEALTHY = program<'name' | 'timeout_ms' | 'ready_ms' | 'interval' | 'check_every' | 'check_cmd'>(
  'health-wait.sh',
)
const WAIT_UNHEALTHY = program<'name' | 'timeout_ms' | 'interval'>('health-wait-unhealthy.sh')
const REPORT = program<'name' | 'lines'>('health-report.sh')

const ms = (seconds: number): number => Math.round(seconds * 1000)

/**
 * Waits in one round trip until container `name` is ready, reacting to its Docker events
 * (sh/health-wait.sh): exit 0 ready, 1 failed, 2 timed out; read the status with `finalStatus`.
 */
export function waitHealthy(config: Config, role: Role, name: string, params: WaitParams = {}): Command {
  const max = role.healthcheck.maxAttempts
  const {
    timeoutSeconds = (max * (max + 1)) / 2,
    interval = 0.2,
    readinessDelay = config.readinessDelay,
    checkEvery,
    checkCommand,
  } = params
  return WAIT_HEALTHY({
    name,
    timeout_ms: ms(timeoutSeconds),
    ready_ms: ms(readinessDelay),
    interval,
    check_every: checkEvery,
    check_cmd: checkEvery === undefined ? undefined : checkCommand,
  })
}

/**
 * Waits until `name` is unhealthy or gone after its cord was cut (Kamal's wait_for_unhealthy), like
 * waitHealthy (sh/health-wait-unhealthy.sh): exit 0 when it is, 2 on timeout; status via `finalStatus`.
 */
export function waitUnhealthy(
  name: string,
  { timeoutSeconds = 30, interval = 0.2 }: { timeoutSeconds?: number; interval?: number } = {},
): Command {
  return WAIT_UNHEALTHY({ name, timeout_ms: ms(timeoutSeconds), interval })
}

/**
 * What to show when a new container failed: its last `log_lines` log lines (stdout and stderr),
 * then, as the LAST line, its health log as JSON (`null` without a health check). Never fails.
 */
export const failureReport = (config: Config, role: Role, name: string): Command =>
  REPORT({ name, lines: role.healthcheck.logLines })

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

/** Whether a successful wait proceeded on the container's own health command (the `own` early check). */
export const passedOwnCheck = (stdout: string): boolean => /^by=check$/m.test(stdout)

/** A wait's final status, in Kamal's words (`healthy`, `starting`, `unhealthy`…): the last line of its stdout. */
export const finalStatus = (stdout: string): string | undefined => stdout.trim().split('\n').at(-1)?.trim() || undefined
