import { loadavg } from 'node:os'
import { randomBytes } from 'node:crypto'
import { startFleet } from './fleet/fleet.ts'
import { scaleAppDir } from './fleet/scale-app.ts'
import { deployToFleet, type ScaleDeploy } from './fleet/scale-run.ts'

/** One fleet size of the scale scenario: a first deploy to fresh hosts, then a redeploy. */
export interface ScaleResult {
  readonly hosts: number
  readonly bootLimit: number
  readonly maxConcurrentStarts: number
  readonly deploys: readonly ScaleDeploy[]
  readonly load: number
}

/** Options of the scale scenario (bench/deploy.ts reads them from BENCH_* variables). */
export interface ScaleOptions {
  readonly sizes: readonly number[]
  /** `boot.limit` as a share of the hosts. */
  readonly bootLimitPercent: number
  readonly maxConcurrentStarts: number
  readonly log: (line: string) => void
}

/**
 * Deploys to fleets of cheap hosts (bench/fleet/: one sshd each, a fake docker) of each size: a
 * first deploy, then a redeploy that stops the old containers and prunes. Throws when a deploy
 * fails, a host saw other than one SSH connection, boot.limit was exceeded, the run log misses a
 * host's commands, or the fake docker refused a command.
 */
export async function scaleScenario({
  sizes,
  bootLimitPercent,
  maxConcurrentStarts,
  log,
}: ScaleOptions): Promise<ScaleResult[]> {
  const results: ScaleResult[] = []
  for (const count of sizes) {
    const fleet = await startFleet({ hosts: count })
    const service = `scale-${randomBytes(3).toString('hex')}`
    const app = scaleAppDir(
      {
        service,
        hosts: fleet.hosts,
        port: fleet.port,
        sshKey: fleet.sshKey,
        bootLimit: `${bootLimitPercent}%`,
        maxConcurrentStarts,
      },
      fleet.dir,
    )
    try {
      log(`scale: ${count} hosts up, fleet dir ${fleet.dir}`)
      const bootLimit = Math.max(1, Math.floor((count * bootLimitPercent) / 100))
      const deploys: ScaleDeploy[] = []
      for (const version of ['v1', 'v2']) {
        const d = await deployToFleet(fleet, { dir: app.dir, service }, version)
        deploys.push(d)
        log(
          `scale: ${count} hosts, ${version}: ${(d.wallMs / 1000).toFixed(2)} s, peak RSS ${(d.peakRssKiB / 1024).toFixed(0)} MiB`,
        )
        const problems = checkDeploy(d, { bootLimit, maxConcurrentStarts }, fleet.refused())
        if (problems.length)
          throw new Error(`${count} hosts, deploy ${version}:\n  ${problems.join('\n  ')}\n${d.output}`)
      }
      results.push({ hosts: count, bootLimit, maxConcurrentStarts, deploys, load: loadavg()[0]! })
    } finally {
      fleet.stop()
      app.remove()
    }
  }
  return results
}

/** What is wrong with a deploy to the fleet (nothing: an empty list). */
export function checkDeploy(
  d: ScaleDeploy,
  { bootLimit, maxConcurrentStarts }: { bootLimit: number; maxConcurrentStarts: number },
  refused: readonly string[],
): string[] {
  const problems: string[] = []
  if (d.exitCode !== 0) problems.push(`exit ${d.exitCode}`)
  const wrong = Object.entries(d.connections).filter(([, n]) => n !== 1)
  if (wrong.length) problems.push(`SSH connections other than 1: ${wrong.map(([h, n]) => `${h}: ${n}`).join(', ')}`)
  if (d.mostStarting > bootLimit)
    problems.push(`${d.mostStarting} containers starting at once, boot.limit is ${bootLimit}`)
  if (d.mostHandshaking > maxConcurrentStarts)
    problems.push(`${d.mostHandshaking} SSH handshakes at once, max_concurrent_starts is ${maxConcurrentStarts}`)
  if (refused.length) problems.push(`the fake docker refused:\n    ${refused.join('\n    ')}`)
  return [...problems, ...d.logProblems]
}

/** The scale scenario's table, in Markdown: per fleet size, the first deploy / the redeploy. */
export function scaleReport(results: readonly ScaleResult[]): string {
  const secs = (x: number): string => x.toFixed(1)
  const both = (r: ScaleResult, f: (d: ScaleDeploy) => string): string => r.deploys.map(f).join(' / ')
  const rows = results.map((r) => {
    const conns = r.deploys.flatMap((d) => Object.values(d.connections))
    return [
      r.hosts,
      both(r, (d) => `${secs(d.wallMs / 1000)} s`),
      both(r, (d) => `${(d.peakRssKiB / 1024).toFixed(0)} MiB`),
      both(r, (d) => `${secs(d.cpuSeconds)} s`),
      both(r, (d) => `${secs(d.hostsCpuSeconds)} s`),
      `${Math.min(...conns)}–${Math.max(...conns)}`,
      `${Math.max(...r.deploys.map((d) => d.mostHandshaking))} / ${r.maxConcurrentStarts}`,
      `${Math.max(...r.deploys.map((d) => d.mostStarting))} / ${r.bootLimit}`,
      r.load.toFixed(1),
    ]
  })
  return [
    "| hosts | wall time | peak RSS | slipway CPU | hosts' CPU | SSH connections per host | handshakes at once / max_concurrent_starts | containers starting at once / boot.limit | load average |",
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ].join('\n')
}
