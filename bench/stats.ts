import type { CommandSample, PhaseSample } from './probe.ts'

/** What one timed deploy left behind. */
export interface RunSample {
  /** Wall time of the whole `run()`: config, version, tree, closing connections. */
  readonly totalMs: number
  readonly phases: readonly PhaseSample[]
  readonly commands: readonly CommandSample[]
  /** SSH connections the pool made. */
  readonly connections: number
  /** Remote commands (round trips) per host. */
  readonly perHost: Readonly<Record<string, number>>
  /** Share of the machine's CPU that was busy during the run (every process, not only the deploy); undefined off Linux. */
  readonly cpuBusy?: number | undefined
  /** CPU time the machine's processes used during the run, in seconds (the sandbox servers are among them); undefined off Linux. */
  readonly cpuSeconds?: number | undefined
  /** Processes and threads the machine started during the run (bench/cpu.ts `forkCount`); undefined off Linux. */
  readonly forks?: number | undefined
  /** The machine's 1-minute load average when the run ended (other agents' work included). */
  readonly load?: number | undefined
}

/** Median, min and max of a set of numbers. */
export interface Spread {
  readonly median: number
  readonly min: number
  readonly max: number
}

/** The middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Median, min and max; all NaN for no values. */
export const spread = (values: readonly number[]): Spread => ({
  median: median(values),
  min: values.length ? Math.min(...values) : Number.NaN,
  max: values.length ? Math.max(...values) : Number.NaN,
})

/** `web on 10.0.0.1` → `web on *`: per-host tasks of one kind become one row. */
export const collapse = (title: string, hosts: readonly string[]): string =>
  hosts.reduce((t, h) => t.split(h).join('*'), title)

/** One row of the phase table: a task (hosts collapsed), its depth in the tree, its time over the runs. */
export interface PhaseRow {
  readonly key: string
  readonly title: string
  readonly depth: number
  readonly ms: Spread
}

/**
 * Per task (hosts collapsed, slowest host counts: that is the wall time the step costs), the spread
 * over the runs; in the order the tasks started in the first run that had them.
 */
export function phaseRows(runs: readonly RunSample[], hosts: readonly string[]): PhaseRow[] {
  const rows = new Map<string, { title: string; depth: number; values: number[] }>()
  for (const run of runs) {
    const slowest = new Map<string, number>()
    for (const p of [...run.phases].sort((a, b) => a.start - b.start)) {
      if (Number.isNaN(p.ms)) continue
      const key = p.path.map((t) => collapse(t, hosts)).join(' › ')
      if (!rows.has(key))
        rows.set(key, { title: collapse(p.path.at(-1) ?? '', hosts), depth: p.path.length - 1, values: [] })
      slowest.set(key, Math.max(slowest.get(key) ?? 0, p.ms))
    }
    for (const [key, ms] of slowest) rows.get(key)!.values.push(ms)
  }
  return [...rows].map(([key, r]) => ({ key, title: r.title, depth: r.depth, ms: spread(r.values) }))
}

/** One row of the slow-commands table: `phase › #n programs`, its time (slowest host) over the runs. */
export interface CommandRow {
  readonly key: string
  readonly ms: Spread
}

/**
 * The `top` slowest commands by median: each is the n-th command a host ran in a task (hosts
 * collapsed, the slowest host counts), so the same step lines up across hosts and runs.
 */
export function commandRows(runs: readonly RunSample[], hosts: readonly string[], top = 12): CommandRow[] {
  const values = new Map<string, number[]>()
  for (const run of runs) {
    const ordinal = new Map<string, number>()
    const slowest = new Map<string, number>()
    for (const c of [...run.commands].sort((a, b) => a.start - b.start)) {
      // The last two titles place a command (`Boot app › web on *`); the full path only makes rows wider.
      const path =
        c.path
          .slice(-2)
          .map((t) => collapse(t, hosts))
          .join(' › ') || '(outside any task)'
      const n = (ordinal.get(`${c.host} ${path}`) ?? 0) + 1
      ordinal.set(`${c.host} ${path}`, n)
      const key = `${path} #${n} ${c.what}`
      slowest.set(key, Math.max(slowest.get(key) ?? 0, c.ms))
    }
    for (const [key, ms] of slowest) values.set(key, [...(values.get(key) ?? []), ms])
  }
  return [...values]
    .map(([key, v]) => ({ key, ms: spread(v) }))
    .sort((a, b) => b.ms.median - a.ms.median)
    .slice(0, top)
}

/** SSH connections per run, and remote commands per host: on the primary, the median host, and the busiest. */
export function roundTrips(runs: readonly RunSample[], primary: string) {
  const counts = (r: RunSample): number[] => Object.values(r.perHost)
  return {
    connections: spread(runs.map((r) => r.connections)),
    hosts: spread(runs.map((r) => counts(r).length)),
    primary: spread(runs.map((r) => r.perHost[primary] ?? 0)),
    perHost: spread(runs.map((r) => median(counts(r)))),
    busiest: spread(runs.map((r) => Math.max(0, ...counts(r)))),
  }
}
