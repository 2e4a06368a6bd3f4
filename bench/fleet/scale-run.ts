import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Fleet } from './fleet.ts'
import { SCALE_REGISTRY, workerHosts } from './scale-app.ts'

const SLIPWAY = resolve(import.meta.dirname, '../..')

/** One measured deploy of the scale scenario. */
export interface ScaleDeploy {
  readonly version: string
  readonly exitCode: number
  readonly wallMs: number
  /** Peak resident set of the slipway process (its largest, when it relays to a child), in KiB. */
  readonly peakRssKiB: number
  /** CPU seconds of the slipway process (user + system), and of all the hosts together during it. */
  readonly cpuSeconds: number
  readonly hostsCpuSeconds: number
  /** SSH connections each host's sshd accepted during this deploy. */
  readonly connections: Record<string, number>
  /** The most SSH handshakes under way at one time, from the sshds' logs (max_concurrent_starts bounds it). */
  readonly mostHandshaking: number
  /** The most containers between `docker run` (or start) and first reported healthy at one time. */
  readonly mostStarting: number
  readonly output: string
  /** What is wrong with the run log: hosts without their commands, commands without an exit. */
  readonly logProblems: string[]
}

/**
 * Deploys `version` (already "in the registry": no build, no push) to the fleet with the real
 * command, `node --import tsx tasks/deploy.ts --skip-push --version V`, under /usr/bin/time for
 * its peak RSS; what each host saw comes from the fleet's sshd logs and the fake docker's records.
 */
export async function deployToFleet(
  fleet: Fleet,
  app: { dir: string; service: string },
  version: string,
  { terminalEnv = {} }: { terminalEnv?: Record<string, string> } = {},
): Promise<ScaleDeploy> {
  fleet.publish(`${SCALE_REGISTRY}/bench/${app.service}:${version}`, app.service)
  const before = fleet.connections()
  const bootsBefore = fleet.boots().length
  const hostsCpu = fleet.cpuSeconds()
  const timeFile = join(fleet.dir, `time-${version}`)
  // tsx by its own path: the app dir, the child's cwd, has no node_modules.
  const argv = ['-f', '%M %U %S', '-o', timeFile, process.execPath, '--import', import.meta.resolve('tsx')]
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each deploy, for finding where its time goes.
  const profile = process.env['BENCH_CPU_PROF']
  if (profile) argv.push('--cpu-prof', '--cpu-prof-dir', profile)
  argv.push(join(SLIPWAY, 'tasks/deploy.ts'), '--skip-push', '--version', version)
  const started = performance.now()
  const since = Date.now()
  const { code, output } = await new Promise<{ code: number; output: string }>((done, fail) => {
    const child = spawn('/usr/bin/time', argv, {
      cwd: app.dir,
      env: {
        ...process.env,
        ...terminalEnv,
        SCALE_REGISTRY_PASSWORD: 'scale-registry-password',
        SCALE_SECRET: 'scale-secret-value',
        SLIPWAY_KNOWN_HOSTS: fleet.knownHosts,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // A group of its own, which the fleet ends (kill -KILL) when it stops, on Ctrl-C too.
      detached: true,
    })
    fleet.adopt(child)
    let text = ''
    child.stdout.on('data', (b: Buffer) => (text += b.toString()))
    child.stderr.on('data', (b: Buffer) => (text += b.toString()))
    child.on('error', fail)
    child.on('close', (c) => done({ code: c ?? 1, output: text }))
  })
  const wallMs = performance.now() - started
  const after = fleet.connections()
  const [rss, user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number)
  const connections = Object.fromEntries(fleet.hosts.map((h) => [h, (after[h] ?? 0) - (before[h] ?? 0)]))
  return {
    version,
    exitCode: code,
    wallMs,
    peakRssKiB: rss!,
    cpuSeconds: user! + system!,
    hostsCpuSeconds: fleet.cpuSeconds() - hostsCpu,
    connections,
    mostStarting: mostAtOnce(fleet.boots().slice(bootsBefore)),
    mostHandshaking: mostAtOnce(
      fleet
        .handshakes()
        .filter((h) => h.start >= since)
        .map((h) => ({ run: h.start, ready: h.end })),
    ),
    output,
    logProblems: runLogProblems(app.dir, fleet.hosts, app.service, version),
  }
}

/** The largest number of [run, ready] intervals open at one instant (a boot never reported ready stays open). */
export function mostAtOnce(boots: readonly { run: number; ready: number | undefined }[]): number {
  const edges = boots.flatMap((b) => [
    { at: b.run, d: 1 },
    { at: b.ready ?? Number.POSITIVE_INFINITY, d: -1 },
  ])
  // At the same instant an end comes before a start: a boot that ends as the next begins is not overlap.
  edges.sort((a, b) => a.at - b.at || a.d - b.d)
  let open = 0
  let most = 0
  for (const e of edges) most = Math.max(most, (open += e.d))
  return most
}

/**
 * The newest run log of the app: every host must have its `docker run` of each of its roles and
 * its tag (`docker tag`, or the `prune-all.sh` that tags and prunes), and every command logged with `$` must have an exit line.
 */
export function runLogProblems(dir: string, hosts: readonly string[], service: string, version: string): string[] {
  const logs = join(dir, '.slipway/logs')
  const newest = readdirSync(logs).sort().at(-1)
  if (!newest) return ['no run log']
  const lines = readFileSync(join(logs, newest), 'utf8').split('\n')
  const problems: string[] = []
  const workers = new Set(workerHosts(hosts))
  for (const host of hosts) {
    const mine = lines.filter((l) => l.includes(`[${host} #`))
    const started = mine.filter((l) => / \$ /.test(l)).length
    const ended = mine.filter((l) => /\] exit \d+ \(/.test(l)).length
    const need = [[`--name ${service}-web-${version}`], ['docker tag ', 'sh prune-all.sh ']]
    if (workers.has(host)) need.push([`--name ${service}-workers-${version}`])
    for (const what of need)
      if (!mine.some((l) => what.some((w) => l.includes(w))))
        problems.push(`${host}: no "${what.join('" or "')}" in the log`)
    if (started !== ended) problems.push(`${host}: ${started} commands logged, ${ended} exits`)
  }
  return problems
}
