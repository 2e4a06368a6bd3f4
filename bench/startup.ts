import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { sandboxUp } from '../sandbox/api.ts'
import { optionsFromEnv } from '../sandbox/layout.ts'
import { packSlipway, pinnedApp } from '../test/e2e/support/package.ts'

// `npm run bench:startup` (part of `npm run bench`): how long the `slipway` command of the installed
// package (its bundle, dist/slipway.cjs, with V8's code cache) takes to answer, against Kamal 1.9.3 on a
// machine of this kind: `kamal config` 0.41–0.54 s, `kamal app details` 0.83 s. With a `kamal` on PATH,
// Kamal is timed side by side on the same app and config. The sandbox is SANDBOX_NAME's (default instance).
// STARTUP_RUNS=10; skipped when BENCH_SCENARIOS is set without `startup`.

const KAMAL = { config: [0.41, 0.54], 'app details': [0.83, 0.83] } as const
const runs = Number(process.env['STARTUP_RUNS'] ?? '10')
const log = (line: string): void => void process.stderr.write(`${line}\n`)

const scenarios = process.env['BENCH_SCENARIOS']
if (scenarios !== undefined && !scenarios.split(',').some((s) => s.trim() === 'startup')) {
  log(`start-up: skipped (BENCH_SCENARIOS=${scenarios})`)
  process.exit(0)
}

const { env: sandbox } = await sandboxUp(optionsFromEnv(process.env), (line) => log(`sandbox: ${line}`))
const [s1, s2] = sandbox.SANDBOX_SERVERS.split(' ')
const dir = mkdtempSync(join(tmpdir(), 'slipway-startup-'))
try {
  log('packing and installing slipway (offline, from the npm cache)…')
  const tarball = await packSlipway(dir)
  pinnedApp(dir, tarball, [])
  const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel', 'error'], {
    cwd: dir,
    encoding: 'utf8',
  })
  if (install.status !== 0) throw new Error(`npm install failed:\n${install.stderr}`)
  // An npm script, the other way a team runs it: `npm run slipway -- config`.
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, scripts: { slipway: 'slipway' } }, null, 2))
  // Kamal's own layout and keys only, so that both tools read the same file.
  mkdirSync(join(dir, 'config'))
  writeFileSync(
    join(dir, 'config/deploy.yml'),
    `service: startup
image: bench/startup
servers:
  web: [${s1}, ${s2}]
registry:
  server: ${sandbox.SANDBOX_REGISTRY}
  username: ${sandbox.SANDBOX_REGISTRY_USER}
  password: [KAMAL_REGISTRY_PASSWORD]
ssh:
  keys: [${sandbox.SANDBOX_SSH_KEY}]
builder:
  multiarch: false
`,
  )
  writeFileSync(
    join(dir, '.env'),
    `KAMAL_REGISTRY_PASSWORD=${sandbox.SANDBOX_REGISTRY_PASSWORD}\nSLIPWAY_KNOWN_HOSTS=${sandbox.SANDBOX_KNOWN_HOSTS}\n`,
  )
  // Both tools ask git for the version, as on a real app.
  const identity = {
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'b@example.com',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'b@example.com',
  }
  for (const git of [
    ['init', '-q'],
    ['add', 'config'],
    ['commit', '-qm', 'app'],
  ])
    spawnSync('git', git, { cwd: dir, env: { ...process.env, ...identity } })
  const kamal = spawnSync('sh', ['-c', 'command -v kamal'], { encoding: 'utf8' }).stdout.trim()
  const slipway = join(dir, 'node_modules/.bin/slipway')
  // Node itself, and npx alone (an empty bin of the same app): how much of each figure the machine's
  // load, Node and npm's own start-up account for. No `npx slipway` can be faster than that npx row.
  mkdirSync(join(dir, 'node_modules/empty'))
  writeFileSync(join(dir, 'node_modules/empty/package.json'), '{"name":"empty","version":"1.0.0","bin":"empty.sh"}')
  writeFileSync(join(dir, 'node_modules/empty/empty.sh'), '#!/bin/sh\n', { mode: 0o755 })
  symlinkSync('../empty/empty.sh', join(dir, 'node_modules/.bin/empty'))
  const rows = [
    row('node -e 0 (bare Node, for scale)', await timed(process.execPath, ['-e', '0']), ''),
    row('npx empty (npx alone, an empty bin)', await timed('npx', ['empty']), ''),
  ]
  for (const words of ['config', 'app details'] as const) {
    const args = words.split(' ')
    const [low, high] = KAMAL[words]
    const own = await timed(slipway, args)
    const compiling = await timed(slipway, args, { NODE_DISABLE_COMPILE_CACHE: '1' })
    const viaNpx = await timed('npx', ['slipway', ...args])
    const viaScript = await timed('npm', ['run', '--silent', 'slipway', '--', ...args])
    const measured = kamal ? await timed(kamal, args) : undefined
    rows.push(row(`slipway ${words}`, own, ratio(own, low, high)))
    rows.push(row(`  without the code cache`, compiling, ratio(compiling, low, high)))
    rows.push(row(`npx slipway ${words}`, viaNpx, ratio(viaNpx, low, high)))
    rows.push(row(`npm run slipway -- ${words}`, viaScript, ratio(viaScript, low, high)))
    rows.push(
      measured
        ? row(`kamal ${words} (this machine)`, measured, `slipway ${(median(own) / median(measured)).toFixed(2)}×`)
        : `  kamal ${words}: ${low === high ? low : `${low}–${high}`} s (recorded on a machine of this kind; no kamal on PATH here, so the ratios are against that figure)`,
    )
  }
  const [load] = loadavg()
  process.stdout.write(
    `\nStart-up, ${runs} runs each, median (min–max), load ${load!.toFixed(1)} on ${sandbox.SANDBOX_NAME}:\n${rows.join('\n')}\n`,
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}

/** Wall times (s) of `runs` runs after one warm-up; a failing run stops the benchmark. */
async function timed(program: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<number[]> {
  const once = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const started = performance.now()
      const child = spawn(program, args, {
        cwd: dir,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
      child.on('error', reject).on('close', (code) => {
        if (code === 0) resolve((performance.now() - started) / 1000)
        else reject(new Error(`${program} ${args.join(' ')} exited with ${code}:\n${stderr}`))
      })
    })
  await once()
  const times: number[] = []
  for (let i = 0; i < runs; i++) times.push(await once())
  return times
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function row(name: string, times: readonly number[], note: string): string {
  const range = `${Math.min(...times).toFixed(2)}–${Math.max(...times).toFixed(2)}`
  return `  ${name.padEnd(38)} ${median(times).toFixed(2)} s (${range})  ${note}`
}

// Against Kamal's figure, or its range: below 1 means faster than Kamal.
function ratio(times: readonly number[], low: number, high: number): string {
  const m = median(times)
  return low === high
    ? `${(m / low).toFixed(2)}× kamal's ${low} s`
    : `${(m / high).toFixed(2)}–${(m / low).toFixed(2)}× kamal's ${low}–${high} s`
}
