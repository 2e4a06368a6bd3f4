import { request } from 'node:http'
import { run } from '../lib/main.ts'
import { deploySteps } from '../tasks/steps/recipes.ts'
import { busyShare, cpuTimes } from './cpu.ts'
import { probe } from './probe.ts'
import type { RunSample } from './stats.ts'

/** Where a benchmarked deploy runs: the app repo, its env, and how to reach it through the sandbox LB. */
export interface DeployTarget {
  readonly dir: string
  readonly env: Record<string, string>
  readonly lbUrl: string
  readonly service: string
}

/**
 * Deploys the repo's HEAD (`version`) in-process, exactly as `npm run deploy` would, with every task
 * and command timed; then checks the load balancer serves that version, so a run that "succeeded"
 * without deploying never counts. Throws with the deploy's own (redacted) output on failure.
 */
export async function deployOnce(target: DeployTarget, version: string): Promise<RunSample> {
  const p = probe()
  const lines: string[] = []
  let stats = { connections: 0, commands: {} as Record<string, number> }
  const cpuBefore = cpuTimes()
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
  const cpuBusy = busyShare(cpuBefore, cpuTimes())
  if (code !== 0) throw new Error(`deploy of ${version} failed (exit ${code}):\n${lines.join('\n')}`)
  const served = await versionThroughLb(target)
  if (served !== version) throw new Error(`deploy of ${version} finished but ${target.service}.test serves "${served}"`)
  return {
    totalMs,
    phases: p.phases,
    commands: p.commands,
    connections: stats.connections,
    perHost: stats.commands,
    cpuBusy,
  }
}

// caddy routes by Host (proxy.host in the bench deploy.yml), which fetch() does not let us set.
function versionThroughLb({ lbUrl, service }: DeployTarget): Promise<string> {
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
