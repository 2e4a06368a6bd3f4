import { loadavg } from 'node:os'
import { $ } from 'zx'
import { loadConfig } from '../lib/config/load.ts'
import { sshPool } from '../lib/exec/ssh.ts'
import { floorTotal, measureFloor } from './floor.ts'
import { KAMAL_DEPLOY_SECONDS, kamalReport, type KamalRun } from './kamal-report.ts'
import { trace } from './report.ts'
import { runningEverywhere, deployOnce } from './run.ts'
import { stagesOf } from './stages.ts'

/** What the Kamal-shaped scenario runs on: the app repo (kamal shape) and the sandbox's 3 servers. */
export interface KamalScenario {
  readonly dir: string
  readonly env: Record<string, string>
  readonly servers: readonly string[]
  readonly docker: string
  readonly commit: (run: string) => Promise<string>
}

/**
 * The Kamal-shaped deploy `runs` times, a new commit each, each run preceded by a measurement of
 * its floor on the same servers (so both see the same machine load); returns the report.
 */
export async function kamalScenario(target: KamalScenario, runs: number, log: (line: string) => void): Promise<string> {
  const { dir, env, servers } = target
  const worker = servers[2]!
  const config = await loadConfig({ cwd: dir, env })
  const pool = sshPool({ ...config.ssh, knownHostsFile: env['SLIPWAY_KNOWN_HOSTS'] })
  const role = (name: string) => config.roles.find((r) => r.name === name)!
  try {
    const verify = runningEverywhere(
      config.service,
      Object.fromEntries(
        servers.map((h) => [
          h,
          { remote: pool.executor(h), roles: config.roles.filter((r) => r.hosts.includes(h)).length },
        ]),
      ),
    )
    const deployTarget = { dir, env, verify }
    const warmup = await deployOnce(deployTarget, await target.commit('warm-up'))
    log(`kamal shape: warm-up ${(warmup.totalMs / 1000).toFixed(2)} s`)
    const floorTarget = {
      dir,
      env,
      docker: target.docker,
      repository: config.repository,
      webs: servers.slice(0, 2).map((h) => pool.executor(h)),
      worker: pool.executor(worker),
      webCheck: role('web').healthcheck.cmd,
      workerCmd: role('workers').cmd?.replace(/^sh -c "(.*)"$/, '$1') ?? '',
      workerCheck: role('workers').healthcheck.cmd,
    }
    const results: KamalRun[] = []
    for (let i = 1; i <= runs; i++) {
      const floor = await measureFloor(floorTarget, `floor-${i}`)
      const floorLoad = loadavg()[0]!
      const sample = await deployOnce(deployTarget, await target.commit(`run ${i}`))
      const stages = stagesOf(sample, servers.slice(0, 2), worker)
      log(
        `kamal shape: run ${i}/${runs} ${(sample.totalMs / 1000).toFixed(2)} s (floor ${(floorTotal(floor, { prune: true }) / 1000).toFixed(2)} s), load average ${sample.load?.toFixed(1)}`,
      )
      results.push({ sample, stages, floor, floorLoad })
    }
    const report = kamalReport(results, servers, await kamalLine())
    if (process.env['BENCH_TRACE'] !== '1') return report
    return `${report}\n\nlast run, command by command:\n${trace(results.at(-1)!.sample, servers)}`
  } finally {
    await pool.close()
  }
}

/** Whether Kamal can be run here for side-by-side figures; otherwise the figure, said as such. */
async function kamalLine(): Promise<string> {
  const found = await $({ quiet: true, nothrow: true })`kamal version`
  const version = found.exitCode === 0 ? found.stdout.trim() : undefined
  return version
    ? `Kamal ${version} is installed, but this bench does not run it yet: Kamal 1.9.3's figure from issue 16 is ${KAMAL_DEPLOY_SECONDS} s`
    : `Kamal 1.9.3: not installed on this machine (no \`kamal\` on PATH), so no side-by-side runs; on this kind of server it took ${KAMAL_DEPLOY_SECONDS} s (issue 16)`
}
