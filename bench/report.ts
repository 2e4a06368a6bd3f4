import { coreCount } from './cpu.ts'
import { commandRows, phaseRows, roundTrips, spread, type RunSample, type Spread } from './stats.ts'

/** The issue's figures for Kamal 1.9.3 on servers like the sandbox's (seconds per deploy, by server count). */
const KAMAL_SECONDS: Readonly<Record<number, number>> = { 3: 16, 10: 24 }
/** Remote commands Kamal 1.9.3 runs on the primary host per deploy. */
const KAMAL_PRIMARY_COMMANDS = 27
/** slipway's targets: seconds for a deploy (flat up to 10 servers), round trips per host. */
const TARGET = { seconds: 4, commandsPerHost: 12 } as const

/** Everything measured for one server count. */
export interface SizeResult {
  readonly servers: readonly string[]
  readonly runs: readonly RunSample[]
  readonly warmupMs: number
  /** Machine CPU busy share just before the runs, with no deploy going on. */
  readonly background?: number | undefined
}

const s = (ms: number): string => (Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(2)} s`)
const n = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(1))
const cols = (sp: Spread, fmt: (x: number) => string): string =>
  [sp.median, sp.min, sp.max].map((x) => fmt(x).padStart(9)).join('')
const fit = (text: string, width: number): string =>
  (text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text).padEnd(width)
const row = (label: string, sp: Spread, width: number): string => `  ${fit(label, width)}${cols(sp, s)}`

/** The report for one server count: phases, totals against Kamal and the target, round trips, slowest commands. */
export function sizeReport({ servers, runs, warmupMs, background }: SizeResult): string {
  const count = servers.length
  const phases = phaseRows(runs, servers)
  const commands = commandRows(runs, servers)
  const trips = roundTrips(runs, servers[0]!)
  const total = spread(runs.map((r) => r.totalMs))
  const width = Math.min(
    72,
    Math.max(30, ...phases.map((p) => p.title.length + 2 * p.depth), ...commands.map((c) => c.key.length)) + 2,
  )
  const kamal = KAMAL_SECONDS[count]
  const vsKamal = kamal
    ? `Kamal 1.9.3: ${kamal} s → ${(kamal / (total.median / 1000)).toFixed(1)}× faster`
    : 'no Kamal figure for this size'
  const verdict = total.median <= TARGET.seconds * 1000 ? 'met' : 'MISSED'
  const busiest = trips.busiest.max
  return [
    `${count} servers: ${runs.length} timed runs (+1 warm-up: ${s(warmupMs)})`,
    `  ${'phase (slowest host)'.padEnd(width)}${['median', 'min', 'max'].map((h) => h.padStart(9)).join('')}`,
    ...phases.map((p) => row(`${'  '.repeat(p.depth)}${p.title === '*' ? 'each host' : p.title}`, p.ms, width)),
    row('total (whole run)', total, width),
    `  ${vsKamal}; target ≤ ${TARGET.seconds} s: ${verdict}`,
    cpuLine(runs, background),
    `  SSH connections per run: ${n(trips.connections.median)} (min ${n(trips.connections.min)}, max ${n(trips.connections.max)}) for ${n(trips.hosts.median)} hosts; ` +
      `one per host: ${trips.connections.max <= trips.hosts.min ? 'yes' : 'NO'}`,
    `  remote commands per host: primary ${n(trips.primary.median)}, median host ${n(trips.perHost.median)}, busiest ${n(trips.busiest.median)} (max in any run ${busiest}); ` +
      `target ≤ ${TARGET.commandsPerHost}: ${busiest <= TARGET.commandsPerHost ? 'met' : 'MISSED'}; Kamal: ${KAMAL_PRIMARY_COMMANDS} on the primary`,
    `  slowest commands (task › n-th command on a host, slowest host)`,
    ...commands.map((c) => row(c.key, c.ms, width)),
  ].join('\n')
}

// Whether the machine, not the deploy's design, set the pace: every server shares this machine's cores.
function cpuLine(runs: readonly RunSample[], background: number | undefined): string {
  const shares = runs.flatMap((r) => (r.cpuBusy === undefined ? [] : [r.cpuBusy * 100]))
  if (shares.length === 0) return '  machine CPU busy during the runs: not measured (no /proc/stat)'
  const busy = spread(shares)
  const pct = (x: number): string => `${x.toFixed(0)}%`
  const before = background === undefined ? '' : `; ${pct(background * 100)} before the runs, with no deploy going on`
  return `  machine CPU busy during the runs (all processes, ${coreCount()} cores): median ${pct(busy.median)} (min ${pct(busy.min)}, max ${pct(busy.max)})${before}`
}

/** One line per server count: the figures for the README. */
export function summary(results: readonly SizeResult[]): string {
  const lines = results.map(({ servers, runs }) => {
    const total = spread(runs.map((r) => r.totalMs))
    const trips = roundTrips(runs, servers[0]!)
    const kamal = KAMAL_SECONDS[servers.length]
    return `| ${servers.length} | ${s(total.median)} (${s(total.min)}–${s(total.max)}) | ${kamal ? `${kamal} s` : '-'} | ${n(trips.connections.median)} | ${n(trips.primary.median)} / ${trips.busiest.max} |`
  })
  return [
    '| servers | slipway deploy, median (min–max) | Kamal 1.9.3 | SSH connections | remote commands: primary / max per host |',
    '|---|---|---|---|---|',
    ...lines,
  ].join('\n')
}

/**
 * Every command of one run on this machine, the primary and the last server, in start order:
 * `+start  duration  host  task › programs`. For finding where a slow run spent its time.
 */
export function trace(run: RunSample, servers: readonly string[]): string {
  const shown = new Set([servers[0], servers.at(-1)])
  return [...run.commands]
    .filter((c) => shown.has(c.host) || !servers.includes(c.host))
    .sort((a, b) => a.start - b.start)
    .map(
      (c) =>
        `  +${s(c.start).padStart(8)} ${s(c.ms).padStart(8)}  ${c.host.padEnd(14)} ${c.path.slice(-2).join(' › ')} › ${c.what}`,
    )
    .join('\n')
}
