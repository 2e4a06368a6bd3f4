import type { RunSample } from './stats.ts'

/** One Kamal-shaped deploy cut into the phases its floor is measured for, in milliseconds. */
export interface Stages {
  /** From the call to the first task: config, secrets, version (in-process: no node start-up). */
  readonly startup: number
  /** The build lane: build from the clean clone and push (the servers connect alongside). */
  readonly buildPush: number
  readonly pull: number
  /** Boot start → the first web container known healthy (the barrier opens). */
  readonly webStage: number
  /** The barrier open → the worker container known healthy. */
  readonly workerStage: number
  /** The worker healthy → the lock released: stop of the old containers, tag, prune, unlock. */
  readonly retire: number
  /** Everything else: checks, hooks, lock acquire, waits between phases. */
  readonly other: number
  readonly total: number
}

const WAIT = 'sh health-wait.sh'

/**
 * Cuts a run of the Kamal-shaped deploy (web on `webHosts`, workers on `workerHost`) into stages,
 * from its task and command times. Throws when the run lacks a phase the cut needs.
 */
export function stagesOf(run: RunSample, webHosts: readonly string[], workerHost: string): Stages {
  const phase = (last: string) => {
    const p = run.phases.find((x) => x.path.at(-1) === last)
    if (!p) throw new Error(`no "${last}" phase in the run`)
    return p
  }
  const waitEnd = (hosts: readonly string[]): number => {
    // The wait ends its command, alone or after the start in the same round trip (`docker run, echo, sh health-wait.sh`).
    const ends = run.commands
      .filter((c) => c.what.split(', ').at(-1) === WAIT && hosts.includes(c.host))
      .map((c) => c.start + c.ms)
    if (ends.length === 0) throw new Error(`no ${WAIT} on ${hosts.join(', ')}`)
    return Math.min(...ends)
  }
  const startup = Math.min(...run.phases.map((p) => p.start))
  const buildPush = phase('Build and push').ms
  const pull = phase('Pull image').ms
  const boot = phase('Boot app')
  const firstWeb = waitEnd(webHosts)
  const worker = waitEnd([workerHost])
  const locked = run.phases.find((p) => p.path.length === 1 && p.start <= boot.start && p.start + p.ms >= boot.start)
  const end = locked ? locked.start + locked.ms : boot.start + boot.ms
  const stages = {
    startup,
    buildPush,
    pull,
    webStage: firstWeb - boot.start,
    workerStage: worker - firstWeb,
    retire: end - worker,
  }
  const known = Object.values(stages).reduce((a, b) => a + b, 0)
  return { ...stages, other: run.totalMs - known, total: run.totalMs }
}
