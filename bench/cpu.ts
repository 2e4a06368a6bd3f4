import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'

/** Busy and total CPU time of the whole machine so far, in clock ticks (Linux `/proc/stat`); undefined elsewhere. */
export interface CpuTimes {
  readonly busy: number
  readonly total: number
}

/** Reads the machine's CPU counters: everything but idle and iowait counts as busy. */
export function cpuTimes(read: () => string = () => readFileSync('/proc/stat', 'utf8')): CpuTimes | undefined {
  let text: string
  try {
    text = read()
  } catch {
    return undefined
  }
  const fields = /^cpu\s+(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number)
  if (!fields || fields.length < 4 || fields.some(Number.isNaN)) return undefined
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0)
  const idle = fields[3]! + (fields[4] ?? 0)
  return { busy: total - idle, total }
}

/** The share of all cores that was busy between two readings (0 to 1); undefined without both. */
export const busyShare = (from: CpuTimes | undefined, to: CpuTimes | undefined): number | undefined =>
  from && to && to.total > from.total ? (to.busy - from.busy) / (to.total - from.total) : undefined

/** Linux's USER_HZ: /proc/stat counts in these ticks per second (100 on every Linux kernel userland sees). */
const TICKS_PER_SECOND = 100

/** CPU time all processes of the machine used between two readings, in seconds; undefined without both. */
export const busySeconds = (from: CpuTimes | undefined, to: CpuTimes | undefined): number | undefined =>
  from && to ? (to.busy - from.busy) / TICKS_PER_SECOND : undefined

/**
 * Processes and threads the machine has started since boot (Linux `/proc/stat` "processes"): the
 * difference over a deploy counts the docker CLIs (each with its threads), shells and git processes
 * it made everywhere, the servers' included, and whatever else the machine started meanwhile.
 */
export function forkCount(read: () => string = () => readFileSync('/proc/stat', 'utf8')): number | undefined {
  try {
    const found = /^processes\s+(\d+)$/m.exec(read())?.[1]
    return found === undefined ? undefined : Number(found)
  } catch {
    return undefined
  }
}

/** Cores of this machine: the lower bound on wall time is CPU work / cores. */
export const coreCount = (): number => cpus().length

/** How busy the machine is with other work: the busy share over a quiet `ms` window (a measurement, not a wait for anything). */
export async function backgroundBusy(ms = 2000): Promise<number | undefined> {
  const from = cpuTimes()
  await new Promise((resolve) => setTimeout(resolve, ms))
  return busyShare(from, cpuTimes())
}
