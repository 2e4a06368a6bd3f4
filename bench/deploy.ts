import type { SandboxEnv } from '../sandbox/env.ts'
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { sandboxDown, sandboxUp } from '../sandbox/api.ts'
import { relayed } from '../lib/run/relay.ts'
import { benchRepo, type Scenario } from './app-repo.ts'
import { backgroundBusy } from './cpu.ts'
import { removeService } from './cleanup.ts'
import { kamalScenario } from './kamal.ts'
import { scaleReport, scaleScenario } from './scale.ts'
import { deployOnce, servedThroughLb } from './run.ts'
import { sizeReport, summary, trace, type SizeResult } from './report.ts'
import type { RunSample } from './stats.ts'

// `npm run bench`: the Kamal-shaped deploy (3 servers, no proxy, 1 s health checks) against its
// measured floor, then the demo app on a sandbox of 3, then 10 servers; a new commit per run; medians
// per phase, SSH connections and remote commands per host; then the same app on fleets of 10, 50 and 200
// cheap hosts (one sshd each, a fake docker: bench/fleet/): time, memory, connections, boot.limit.
// BENCH_SCENARIOS=startup,kamal,demo,scale (startup: bench/startup.ts)  BENCH_SERVERS=3,10 (demo)  BENCH_SCALE_HOSTS=10,50,200 (scale)
// BENCH_RUNS=5  BENCH_TRACE=1 (every command of the last run)
// BENCH_KEEP=1 (leave the bench sandbox up)  BENCH_NAME=slipway-bench  BENCH_SUBNET=172.29.42  BENCH_LB_PORT=19142

// Under tsx's CLI (`npm run bench`) the bench runs one process further down, out of reach of the
// SIGKILL tsx sends a process that takes more than a moment after Ctrl-C: removing a fleet does.
const relay = relayed()
if (relay) process.exit(await relay)

const log = (line: string): void => void process.stderr.write(`${line}\n`)
const positive = (text: string, name: string): number => {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: "${text}" is not a positive whole number`)
  return value
}
const sizes = (process.env['BENCH_SERVERS'] ?? '3,10').split(',').map((x) => positive(x.trim(), 'BENCH_SERVERS'))
const runs = positive(process.env['BENCH_RUNS'] ?? '5', 'BENCH_RUNS')
const scenarios = (process.env['BENCH_SCENARIOS'] ?? 'kamal,demo,scale').split(',').map((x) => x.trim())
for (const s of scenarios)
  if (s !== 'kamal' && s !== 'demo' && s !== 'scale' && s !== 'startup')
    throw new Error(`BENCH_SCENARIOS: "${s}" is not startup, kamal, demo or scale`)
const scaleSizes = (process.env['BENCH_SCALE_HOSTS'] ?? '10,50,200')
  .split(',')
  .map((x) => positive(x.trim(), 'BENCH_SCALE_HOSTS'))
// An instance of its own: the default sandbox (shared with the e2e tests) keeps its size and its load.
const instance = {
  name: process.env['BENCH_NAME'] ?? 'slipway-bench',
  subnet: process.env['BENCH_SUBNET'] ?? '172.29.42',
  lbPort: positive(process.env['BENCH_LB_PORT'] ?? '19142', 'BENCH_LB_PORT'),
}

const results: SizeResult[] = []
try {
  if (scenarios.includes('kamal')) process.stdout.write(`\n${await kamalShaped()}\n\n`)
  for (const count of scenarios.includes('demo') ? sizes : []) {
    const up = await sandboxUp({ ...instance, servers: count }, (line) => log(`sandbox: ${line}`))
    const sandbox = up.env
    log(`sandbox: ${count} servers ready in ${up.seconds.toFixed(1)} s`)
    const servers = sandbox.SANDBOX_SERVERS.split(' ')
    const service = `bench-${randomBytes(3).toString('hex')}`
    const { repo, env } = await benchApp(sandbox, servers, service, 'demo')
    const target = { dir: repo.dir, env, verify: servedThroughLb(sandbox.SANDBOX_LB_URL, service) }
    try {
      const background = await backgroundBusy()
      // The warm-up boots caddy and pulls the base layers on fresh servers: Kamal's figures are for redeploys too.
      const warmup = await deployOnce(target, await repo.commit('warm-up'))
      log(`${count} servers: warm-up ${(warmup.totalMs / 1000).toFixed(2)} s`)
      const samples: RunSample[] = []
      for (let i = 1; i <= runs; i++) {
        const sample = await deployOnce(target, await repo.commit(`run ${i}`))
        log(
          `${count} servers: run ${i}/${runs} ${(sample.totalMs / 1000).toFixed(2)} s, load average ${loadavg()[0]!.toFixed(1)}`,
        )
        samples.push(sample)
      }
      const result = { servers, runs: samples, warmupMs: warmup.totalMs, background }
      results.push(result)
      process.stdout.write(`\n${sizeReport(result)}\n\n`)
      if (process.env['BENCH_TRACE'] === '1')
        process.stdout.write(`last run, command by command:\n${trace(samples.at(-1)!, servers)}\n\n`)
    } finally {
      await removeService(repo.dir, env, sandbox.SANDBOX_DOCKER, (line) => log(`cleanup: ${line}`)).catch((e: Error) =>
        log(`cleanup: ${e.message}`),
      )
      repo.remove()
    }
  }
} finally {
  const sandboxUsed = scenarios.includes('kamal') || scenarios.includes('demo')
  if (sandboxUsed && process.env['BENCH_KEEP'] !== '1')
    await sandboxDown({ name: instance.name }, (line) => log(`sandbox: ${line}`))
}
if (results.length > 0)
  process.stdout.write(
    `${summary(results)}\n\nKamal 1.9.3 on the same kind of servers: 16 s for 3 servers, 24 s for 10 (12 s of them fixed sleeps), ` +
      `27 remote commands on the primary. slipway's target: ≤ 4 s, flat up to 10 servers, one SSH connection and ≤ 12 remote commands per host.\n` +
      `Machine: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} load average at the end (other work on this machine slows every figure).\n`,
  )

if (scenarios.includes('scale')) {
  const scale = await scaleScenario({ sizes: scaleSizes, bootLimitPercent: 25, maxConcurrentStarts: 30, log })
  process.stdout.write(`\nScale: one deploy to a fleet of cheap hosts, then a redeploy\n\n${scaleReport(scale)}\n\n`)
}

/** The Kamal-shaped scenario on 3 servers of the bench instance: its report. */
async function kamalShaped(): Promise<string> {
  const up = await sandboxUp({ ...instance, servers: 3 }, (line) => log(`sandbox: ${line}`))
  const sandbox = up.env
  const servers = sandbox.SANDBOX_SERVERS.split(' ')
  const service = `bench-${randomBytes(3).toString('hex')}`
  const { repo, env } = await benchApp(sandbox, servers, service, 'kamal')
  try {
    return await kamalScenario(
      { dir: repo.dir, env, servers, docker: sandbox.SANDBOX_DOCKER, commit: repo.commit },
      runs,
      log,
    )
  } finally {
    await removeService(repo.dir, env, sandbox.SANDBOX_DOCKER, (line) => log(`cleanup: ${line}`)).catch((e: Error) =>
      log(`cleanup: ${e.message}`),
    )
    repo.remove()
  }
}

/** A bench app repo for one scenario on the bench instance, and the env its deploys run with. */
async function benchApp(
  sandbox: SandboxEnv,
  servers: string[],
  service: string,
  scenario: Scenario,
): Promise<{ repo: Awaited<ReturnType<typeof benchRepo>>; env: Record<string, string> }> {
  const repo = await benchRepo({
    scenario,
    service,
    servers,
    registry: sandbox.SANDBOX_REGISTRY,
    sshKey: sandbox.SANDBOX_SSH_KEY,
    caddyImage: sandbox.SANDBOX_CADDY_IMAGE,
  })
  const env = stringEnv({
    ...process.env,
    ...sandbox,
    DEMO_SECRET: 'bench-secret',
    SLIPWAY_KNOWN_HOSTS: sandbox.SANDBOX_KNOWN_HOSTS,
  })
  return { repo, env }
}

function stringEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'))
}
