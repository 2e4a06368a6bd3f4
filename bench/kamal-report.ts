import { floorTotal, type FloorSample } from './floor.ts'
import type { Stages } from './stages.ts'
import { median, roundTrips, spread, type RunSample } from './stats.ts'

/** Issue 16's figures for Kamal 1.9.3 on this kind of server, in seconds: what the target is a quarter of. */
export const KAMAL_DEPLOY_SECONDS = 18.8
/** The targets: median deploy time on an idle machine, and the ratio of the whole deploy to its floor. */
export const KAMAL_TARGET = { seconds: 4.7, floorRatio: 1.3 } as const

/** One timed run of the Kamal-shaped scenario: the deploy, its stages, the floor measured just before it. */
export interface KamalRun {
  readonly sample: RunSample
  readonly stages: Stages
  readonly floor: FloorSample
  /** 1-minute load average when the floor was measured. */
  readonly floorLoad: number
}

const ROWS: readonly [keyof Stages, string, keyof FloorSample | undefined][] = [
  ['startup', 'start-up (in-process: config, version)', undefined],
  ['buildPush', 'build + push', 'buildPush'],
  ['pull', 'pull', 'pull'],
  ['webStage', 'web: start → first healthy', 'webStage'],
  ['workerStage', 'workers: start → healthy', 'workerStage'],
  ['retire', 'stop old, tag, prune, unlock', 'retirePrune'],
  ['other', 'other (checks, hooks, lock)', undefined],
]

/**
 * Each run's deploy time over the floor measured just before it (with its prune): paired this way,
 * a change in the machine's speed between runs cancels out, which the ratio of the two medians
 * does not do.
 */
export const runRatios = (runs: readonly KamalRun[]): number[] =>
  runs.map((r) => r.stages.total / floorTotal(r.floor, { prune: true }))

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`

/** The Kamal-shaped table: per phase slipway's median and range, the floor's median, the ratio; then the verdicts. */
export function kamalReport(runs: readonly KamalRun[], servers: readonly string[], kamal: string): string {
  const col = (x: string, w: number): string => x.padStart(w)
  const lines = [
    `Kamal-shaped deploy: 3 servers (web on 2, workers on 1), no proxy, health checks every 1 s, ${runs.length} runs, a new commit each`,
    `  ${'phase'.padEnd(40)}${col('slipway', 9)}${col('min', 9)}${col('max', 9)}${col('floor', 9)}${col('ratio', 7)}`,
  ]
  for (const [key, label, floorKey] of ROWS) {
    const values = runs.map((r) => r.stages[key])
    const floor = floorKey ? median(runs.map((r) => r.floor[floorKey])) : undefined
    const m = median(values)
    lines.push(
      `  ${label.padEnd(40)}${col(s(m), 9)}${col(s(Math.min(...values)), 9)}${col(s(Math.max(...values)), 9)}` +
        `${col(floor === undefined ? '-' : s(floor), 9)}${col(floor ? `${(m / floor).toFixed(2)}×` : '-', 7)}`,
    )
  }
  const totals = runs.map((r) => r.stages.total)
  const total = median(totals)
  const floor = median(runs.map((r) => floorTotal(r.floor, { prune: true })))
  const ratio = total / floor
  // The stricter floor: its last phase a bare stop and tag, no prune at all.
  const strict = median(runs.map((r) => floorTotal(r.floor, { prune: false })))
  lines.push(
    `  ${'total'.padEnd(40)}${col(s(total), 9)}${col(s(Math.min(...totals)), 9)}${col(s(Math.max(...totals)), 9)}${col(s(floor), 9)}${col(`${ratio.toFixed(2)}×`, 7)}`,
  )
  const trips = roundTrips(
    runs.map((r) => r.sample),
    servers[0]!,
  )
  const loads = runs.map((r) => `${(r.sample.load ?? Number.NaN).toFixed(1)}`).join(', ')
  const floorLoads = runs.map((r) => r.floorLoad.toFixed(1)).join(', ')
  const own = spread(runRatios(runs))
  lines.push(
    `  each run against its own floor (measured just before it): median ${own.median.toFixed(2)}× (min ${own.min.toFixed(2)}×, max ${own.max.toFixed(2)}×)`,
    `  the floor's last phase is stop, tag and prune (issue 16's floor); without its prune (a bare stop and tag): ` +
      `floor ${s(strict)}, ratio ${(total / strict).toFixed(2)}×`,
    `  target (idle machine): ≤ ${KAMAL_TARGET.seconds} s median: ${total <= KAMAL_TARGET.seconds * 1000 ? 'met' : 'MISSED'}; ` +
      `≤ ${KAMAL_TARGET.floorRatio}× the floor: ${ratio <= KAMAL_TARGET.floorRatio ? 'met' : 'MISSED'}`,
    `  load average (1 min) at the end of each deploy: ${loads}; when each floor was measured: ${floorLoads}`,
    cpuLine(runs),
    `  remote commands per host: ${servers.map((h) => `${h} ${median(runs.map((r) => r.sample.perHost[h] ?? 0))}`).join(', ')}; ` +
      `SSH connections per run: ${trips.connections.median}`,
    `  ${kamal}`,
  )
  return lines.join('\n')
}

/**
 * The CPU time each deploy used on this machine (every process: the servers share its cores), and
 * how many processes and threads it started. On a machine this small the deploy is CPU-bound: the
 * cores it kept busy say whether the machine set the pace, and the CPU it used is what a change
 * must cut to be faster here (another machine's other work counts in both).
 */
function cpuLine(runs: readonly KamalRun[]): string {
  const used = runs.flatMap((r) => (r.sample.cpuSeconds === undefined ? [] : [r.sample.cpuSeconds]))
  if (used.length === 0) return '  CPU used per deploy: not measured (no /proc/stat)'
  const walls = runs.map((r) => r.sample.totalMs / 1000)
  const forks = runs.flatMap((r) => (r.sample.forks === undefined ? [] : [r.sample.forks]))
  return (
    `  CPU used per deploy (all processes on this machine, the servers included): median ${median(used).toFixed(2)} s ` +
    `(min ${Math.min(...used).toFixed(2)}, max ${Math.max(...used).toFixed(2)}), ${(median(used) / median(walls)).toFixed(1)} cores busy on average; ` +
    `processes and threads started: median ${forks.length ? median(forks) : '-'}`
  )
}
