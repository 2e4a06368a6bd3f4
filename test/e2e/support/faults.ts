import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { quote } from '../../../lib/shell/command.ts'
import type { appRepo } from './app-repo.ts'
import { exec, readSandboxEnv, sshExec, type SandboxEnv } from './sandbox.ts'

// What the fault scenarios share: a run started as a user starts it and watched while a fault is
// made, requests through the proxies while it runs, and the state left on the servers after it.

export type App = ReturnType<typeof appRepo>

/** A process started by a scenario, its output as it arrives. */
export interface Launched {
  readonly child: ChildProcess
  readonly startedAt: number
  readonly output: () => string
  /** Resolves once stdout + stderr match `re`; rejects if the process ends first. */
  until(re: RegExp): Promise<void>
  readonly done: Promise<Finished>
}

/** How a process ended, and when (seconds since it started). */
export interface Finished {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly seconds: number
  readonly output: string
}

/** Starts `argv` in `cwd` (stdin closed, output collected), in a process group of its own. */
export function launch(argv: readonly string[], { cwd, env }: { cwd: string; env: Record<string, string> }): Launched {
  const startedAt = Date.now()
  // detached: a group of its own, as a terminal gives a command, so the test can signal it whole or in part.
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, ...env }, detached: true })
  let output = ''
  const waiters = new Set<() => void>()
  const take = (chunk: Buffer): void => {
    output += chunk.toString()
    for (const wake of waiters) wake()
  }
  child.stdout!.on('data', take)
  child.stderr!.on('data', take)
  child.stdin!.end()
  const done = new Promise<Finished>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, seconds: (Date.now() - startedAt) / 1000, output })),
  )
  const until = (re: RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!re.test(output)) return
        waiters.delete(check)
        resolve()
      }
      waiters.add(check)
      check()
      void done.then(() => {
        if (!waiters.has(check)) return
        waiters.delete(check)
        reject(new Error(`the process ended before its output matched ${re}:\n${output}`))
      })
    })
  return { child, startedAt, output: () => output, until, done }
}

/** GET /version of `service` from one proxy (a server's port 80, or the load balancer), never throwing. */
function version(url: URL, service: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port || 80, path: '/version', timeout: timeoutMs }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve(res.statusCode === 200 ? body : `HTTP ${res.statusCode}: ${body.slice(0, 80)}`))
    })
    req.setHeader('host', `${service}.test`)
    req.setHeader('connection', 'close')
    req.on('error', (error) => resolve(`error: ${error.message}`))
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)))
    req.end()
  })
}

/** The version one proxy serves now (or what went wrong). */
export const served = (proxy: string, service: string): Promise<string> => version(new URL(proxy), service, 5_000)

/** Requests through proxies, one after another per proxy, until stopped: what a user of the site sees. */
export function traffic(service: string, proxies: readonly string[]) {
  let running = true
  const answers: string[] = []
  // Answers that are not a version, with when and where: what a failing scenario prints.
  const odd: string[] = []
  const loops = proxies.map(async (base) => {
    const url = new URL(base)
    while (running) {
      const answer = await version(url, service, 5_000)
      answers.push(answer)
      if (!/^[0-9a-z]+$/.test(answer)) odd.push(`${new Date().toISOString().slice(11, 23)} ${base}: ${answer}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  })
  return {
    /** Every answer: a version, or what went wrong. */
    async stop(): Promise<{ answers: readonly string[]; versions: ReadonlySet<string>; odd: readonly string[] }> {
      running = false
      await Promise.all(loops)
      return { answers, versions: new Set(answers), odd }
    },
  }
}

/** `http://<server>:80`: one server's own proxy, bypassing the load balancer. */
export const viaServer = (host: string): string => `http://${host}:80`

/** Names and states of the app's containers on a host, sorted: `name state`. */
export async function containers(app: App, host: string): Promise<string[]> {
  const { stdout } = await sshExec(
    host,
    `docker ps -a --filter label=service=${quote(app.service)} --format '{{.Names}} {{.State}}'`,
  )
  return stdout.trim().split('\n').filter(Boolean).sort()
}

/** Whether the deploy lock of the app is held (it lives on the primary host). */
export async function lockHeld(app: App, primary: string): Promise<boolean> {
  const { stdout } = await sshExec(primary, `test -d .kamal/locks/${quote(app.service)} && echo held || echo free`)
  return stdout.trim() === 'held'
}

/** The version `latest` points at on a host (the image's version tag with the same id), or ''. */
export async function latestOn(app: App, host: string, registry: string): Promise<string> {
  const repo = `${registry}/e2e/${app.service}`
  const { stdout } = await sshExec(
    host,
    `id=$(docker image inspect --format '{{.Id}}' ${quote(`${repo}:latest`)} 2>/dev/null) || exit 0; ` +
      `docker image ls --format '{{.Tag}} {{.ID}}' ${quote(repo)} | while read -r t i; do ` +
      `[ "$t" != latest ] && case "$id" in *"$i"*) echo "$t";; esac; done; true`,
  )
  return stdout.trim().split('\n').filter(Boolean).sort().join(' ')
}

/**
 * More versions of the app's image of `version` in the registry, each its own image (a label more:
 * no layer to build or push), so `latest` tells them apart. The scenarios deploy them with
 * `--skip-push --version <name>`, without a build; the demo app serves the version it is deployed as.
 */
export async function moreVersions(app: App, version: string, names: readonly string[], sandbox = readSandboxEnv()) {
  const repo = `${sandbox.registry}/e2e/${app.service}`
  const env = { DOCKER_CONFIG: sandbox.dockerConfig, DOCKER_BUILDKIT: '0' }
  for (const name of names) {
    const dockerfile = `FROM ${repo}:${version}\nLABEL slipway.e2e.version=${name}\n`
    await exec([sandbox.docker, 'build', '-q', '-t', `${repo}:${name}`, '-'], { env, input: dockerfile })
    await exec([sandbox.docker, 'push', '-q', `${repo}:${name}`], { env })
  }
}

/** Rewrites the app's deploy.yml with `edit`. */
export function editConfig(app: App, edit: (yml: string) => string): void {
  const file = join(app.dir, 'deploy.yml')
  writeFileSync(file, edit(readFileSync(file, 'utf8')))
}

/** `ssh:` of the app's deploy.yml with more keys under it. */
export const withSsh = (yml: string, keys: string): string =>
  yml.replace(/^ssh:\n/m, `ssh:\n${keys.replace(/^/gm, '  ').trimEnd()}\n`)

/** `docker <action> <server container>` for the server at `ip` (pause, unpause, stop, start). */
export async function server(action: 'pause' | 'unpause' | 'stop' | 'start', ip: string, sandbox: SandboxEnv) {
  const index = sandbox.servers.indexOf(ip)
  if (index < 0) throw new Error(`${ip} is not a server of this sandbox`)
  await exec(['docker', action, `${sandbox.raw['SANDBOX_NAME']}-${index + 1}`])
}

/** Waits until a server answers ssh and its docker engine answers (after a stop and start). */
export async function serverBack(ip: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const r = await sshExec(ip, 'docker info --format "{{.ServerVersion}}"', { allowFailure: true }).catch(
      () => undefined,
    )
    if (r?.code === 0 && r.stdout.trim()) return
    if (Date.now() > until) throw new Error(`${ip} did not come back within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Every process below `pid` (children, their children…), read from /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)])
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = []
  const walk = (p: number): void => {
    for (const c of children.get(p) ?? []) {
      out.push(c)
      walk(c)
    }
  }
  walk(pid)
  return out
}

/** Whether a process is still there (a zombie counts as gone: it runs nothing). */
export function alive(pid: number): boolean {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

/** Waits until none of `pids` is alive; resolves with the seconds it took, or rejects after `timeoutMs`. */
export async function allGone(pids: readonly number[], timeoutMs: number): Promise<number> {
  const start = Date.now()
  for (;;) {
    const left = pids.filter(alive)
    if (left.length === 0) return (Date.now() - start) / 1000
    if (Date.now() - start > timeoutMs)
      throw new Error(`still running after ${timeoutMs} ms: ${left.map((p) => `${p} ${cmdline(p)}`).join('; ')}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120)
  } catch {
    return '?'
  }
}

/**
 * SIGSTOP or SIGCONT to the docker engine of the server at `ip`: a frozen engine takes connections
 * but answers nothing, so a docker command there waits (its containers keep running).
 */
export async function engine(signal: 'STOP' | 'CONT', ip: string, sandbox: SandboxEnv) {
  const index = sandbox.servers.indexOf(ip)
  if (index < 0) throw new Error(`${ip} is not a server of this sandbox`)
  await exec(['docker', 'exec', `${sandbox.raw['SANDBOX_NAME']}-${index + 1}`, 'pkill', `-${signal}`, '-x', 'dockerd'])
}

/** Pids of local processes whose command line is exactly `args` (e.g. a build step's `sleep 3217`). */
export function processes(args: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => alive(pid) && cmdline(pid).trim() === args)
}
