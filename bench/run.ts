import { request } from 'node:http'
import { loadavg } from 'node:os'
import { run } from '../lib/main.ts'
import { deploySteps } from '../tasks/steps/recipes.ts'
import type { Executor } from '../lib/exec/executor.ts'
import { cmd } from '../lib/shell/command.ts'
import { busySeconds, busyShare, cpuTimes, forkCount } from './cpu.ts'
import { probe } from './probe.ts'
import type { RunSample } from './stats.ts'

/** Where a benchmarked deploy runs: the app repo, its env, and how to check that a version is what runs. */
export interface DeployTarget {
  readonly dir: string
  readonly env: Record<string, string>
  /** Throws unless `version` is what the servers now run (or serve). */
  readonly verify: (version: string) => Promise<void>
}

/**
 * Deploys the repo's HEAD (`version`) in-process, exactly as `npm run deploy` would, with every task
 * and command timed; then verifies that version runs, so a run that "succeeded" without deploying
 * never counts. Throws with the deploy's own (redacted) output on failure.
 */
export async function deployOnce(target: DeployTarget, version: string): Promise<RunSample> {
  const p = probe()
  const lines: string[] = []
  let stats = { connections: 0, commands: {} as Record<string, number> }
  const cpuBefore = cpuTimes()
  const forksBefore = forkCount()
  const started = performance.now()
  const code = await run(
    { name: 'deploy', recipe: () => p.recipe(deploySteps()) },
    {
      argv: [],
      cwd: target.dir,
      env: target.env,
      renderer: 'silent',
      write: (line) => lines.push(line),
      out: () => {},
      onStats: (s) => (stats = s),
    },
  )
  const totalMs = performance.now() - started
  const cpuAfter = cpuTimes()
  const cpuBusy = busyShare(cpuBefore, cpuAfter)
  const cpuSeconds = busySeconds(cpuBefore, cpuAfter)
  const forksAfter = forkCount()
  const forks = forksBefore === undefined || forksAfter === undefined ? undefined : forksAfter - forksBefore
  if (code !== 0) throw new Error(`deploy of ${version} failed (exit ${code}):\n${lines.join('\n')}`)
  await target.verify(version)
  return {
    totalMs,
    phases: p.phases,
    commands: p.commands,
    connections: stats.connections,
    perHost: stats.commands,
    cpuBusy,
    cpuSeconds,
    forks,
    load: loadavg()[0],
  }
}

/** The check of the demo's shape: the sandbox's load balancer serves `version` at `<service>.test`. */
export const servedThroughLb =
  (lbUrl: string, service: string) =>
  async (version: string): Promise<void> => {
    const served = await versionThroughLb(lbUrl, service)
    if (served !== version) throw new Error(`deploy of ${version} finished but ${service}.test serves "${served}"`)
  }

/** The check without a proxy: on every host, each running container of the service is of `version`, one per role there. */
export const runningEverywhere =
  (service: string, hosts: Readonly<Record<string, { remote: Executor; roles: number }>>) =>
  async (version: string): Promise<void> => {
    for (const [host, { remote, roles }] of Object.entries(hosts)) {
      const ps = cmd('docker', 'ps', '--filter', `label=service=${service}`, '--format', '{{.Names}}')
      const names = (await remote.run(ps)).stdout.split('\n').filter(Boolean)
      if (names.length !== roles || names.some((n) => !n.endsWith(`-${version}`)))
        throw new Error(`deploy of ${version} finished but ${host} runs: ${names.join(', ') || 'nothing'}`)
    }
  }

// caddy routes by Host (proxy.host in the bench deploy.yml), which fetch() does not let us set.
function versionThroughLb(lbUrl: string, service: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${lbUrl}/version`,
      { headers: { host: `${service}.test`, connection: 'close' }, timeout: 5000 },
      (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : `HTTP ${res.statusCode}: ${body.trim()}`))
      },
    )
    req.on('error', reject).on('timeout', () => req.destroy(new Error(`GET ${lbUrl}/version timed out`)))
    req.end()
  })
}
