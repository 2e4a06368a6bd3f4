import { spawn } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { exec, httpGet, readSandboxEnv, sshExec, type SandboxEnv } from './sandbox.ts'

/** This checkout: entry scripts run from here with the app repo as cwd, as a user's would. */
export const SLIPWAY = resolve(import.meta.dirname, '../../..')

/** What a finished entry script left behind. */
export interface ScriptResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Options of a test app's deploy.yml. */
export interface AppOptions {
  readonly service: string
  /** Extra YAML appended at the root (e.g. `boot:` or `builder:` overrides). */
  readonly extra?: string
  /** Hosts of the web role (default the first two servers; the second is tagged `canary`). */
  readonly web?: readonly string[]
  /** Hosts of the workers role (default the third server). */
  readonly workers?: readonly string[]
}

/**
 * A temp git repo holding the demo app (demo/ and the root .dockerignore) and a deploy.yml
 * with its own service name, on the sandbox servers behind caddy: Kamal's test apps, `git init`ed.
 */
export function appRepo({ service, extra = '', web, workers }: AppOptions, sandbox: SandboxEnv = readSandboxEnv()) {
  const dir = mkdtempSync(join(tmpdir(), `slipway-${service}-`))
  cpSync(join(SLIPWAY, 'demo'), join(dir, 'demo'), { recursive: true })
  cpSync(join(SLIPWAY, '.dockerignore'), join(dir, '.dockerignore'))
  const [s1, s2, s3] = sandbox.servers
  const webHosts = web ?? [s1!, `${s2}: canary`]
  const workerHosts = workers ?? [s3!]
  writeFileSync(
    join(dir, 'deploy.yml'),
    `service: ${service}
image: e2e/${service}
registry:
  server: ${sandbox.registry}
  username: <%= ENV.fetch("SANDBOX_REGISTRY_USER") %>
  password: [SANDBOX_REGISTRY_PASSWORD]
servers:
  web:
    hosts:
${webHosts.map((h) => `      - ${h}`).join('\n')}
  workers:
    hosts:
${workerHosts.map((h) => `      - ${h}`).join('\n')}
    cmd: sh -c "trap 'exit 0' TERM INT; while :; do sleep 1 & wait $!; done"
    options:
      no-healthcheck: true
env:
  clear:
    GREETING: hello
  secret: [DEMO_SECRET]
  tags:
    canary:
      CANARY: "yes"
builder:
  multiarch: false
  dockerfile: demo/Dockerfile
healthcheck:
  cmd: wget -q -O /dev/null http://127.0.0.1/up || exit 1
  max_attempts: 10
ssh:
  keys: [${sandbox.sshKey}]
proxy:
  kind: caddy
  image: ${sandbox.caddyImage}
  host_port: 80
  host: ${service}.test
readiness_delay: 0
stop_wait_time: 2
retain_containers: 2
${extra}`,
  )
  const git = (...args: string[]) => exec(['git', '-C', dir, ...args])
  const env: Record<string, string> = {
    ...sandbox.raw,
    DEMO_SECRET: 'sécret "quoted" $HOME',
    SLIPWAY_KNOWN_HOSTS: sandbox.knownHosts,
    GIT_AUTHOR_NAME: 'E2E',
    GIT_AUTHOR_EMAIL: 'e2e@example.com',
    GIT_COMMITTER_NAME: 'E2E',
    GIT_COMMITTER_EMAIL: 'e2e@example.com',
  }
  return {
    dir,
    service,
    env,
    /** Commits everything (a new version); returns the new HEAD sha. */
    async commit(message: string): Promise<string> {
      await exec(['git', '-C', dir, 'add', '-A'], { env })
      await exec(['git', '-C', dir, 'commit', '-q', '--allow-empty', '-m', message], { env })
      return (await git('rev-parse', 'HEAD')).stdout.trim()
    },
    async init(): Promise<string> {
      await git('init', '-q', '-b', 'main')
      return this.commit('first')
    },
    /** Runs `npx tsx <slipway>/tasks/<script>.ts …args` with the app repo as cwd. */
    script(name: string, args: readonly string[] = [], extraEnv: Record<string, string> = {}): Promise<ScriptResult> {
      return runScript(join(SLIPWAY, 'tasks', `${name}.ts`), args, { cwd: dir, env: { ...env, ...extraEnv } })
    },
    /** Removes the service's containers, images and files on every server, then the repo. */
    async cleanup(): Promise<void> {
      await Promise.all(
        sandbox.servers.map((host) =>
          sshExec(
            host,
            `docker ps -aq --filter label=service=${service} | xargs -r docker rm -f >/dev/null; ` +
              `docker images -q --filter reference='*/e2e/${service}' | xargs -r docker rmi -f >/dev/null; ` +
              `rm -rf .kamal/locks/${service} .kamal/env/roles/${service}-* .kamal/assets/*/${service}-* ` +
              `.kamal/proxy/routes/*-${service}-*; true`,
            { allowFailure: true },
          ),
        ),
      )
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** GET `path` of a test app through the sandbox load balancer (caddy routes on the Host). */
export async function site(
  service: string,
  path = '/version',
  sandbox: SandboxEnv = readSandboxEnv(),
): Promise<{ status: number; body: string }> {
  const { status, body } = await httpGet(`${sandbox.lbUrl}${path}`, 10_000, { host: `${service}.test` })
  return { status, body }
}

/** Runs a TypeScript entry script with tsx as a separate process. */
export function runScript(
  file: string,
  args: readonly string[],
  { cwd, env }: { cwd: string; env: Record<string, string> },
): Promise<ScriptResult> {
  return new Promise((done, fail) => {
    const child = spawn(join(SLIPWAY, 'node_modules/.bin/tsx'), [file, ...args], {
      cwd,
      env: { ...process.env, ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('error', fail)
    child.on('close', (code) => done({ code, stdout, stderr }))
    child.stdin.end()
  })
}
