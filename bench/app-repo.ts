import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { $ } from 'zx'
import { cloneDirOf } from '../lib/build/clone.ts'

/** This checkout: the demo app and the root .dockerignore are copied from here. */
const REPO_ROOT = resolve(import.meta.dirname, '..')

/** The deploys the bench measures: the demo's shape (caddy, N servers), or Kamal users' (no proxy, 3 servers). */
export type Scenario = 'demo' | 'kamal'

/** What the generated deploy.yml needs from the sandbox. */
export interface BenchApp {
  readonly scenario?: Scenario
  readonly service: string
  /** Server IPs, primary first. */
  readonly servers: readonly string[]
  readonly registry: string
  readonly sshKey: string
  readonly caddyImage: string
}

/**
 * deploy.yml in the demo's shape, for any number of servers: web (behind caddy) on every server but
 * the last, the second one tagged `canary`, workers on the last. One server: web only.
 */
export function benchConfig(app: BenchApp): string {
  return app.scenario === 'kamal' ? kamalConfig(app) : demoConfig(app)
}

/** The fixed head of both shapes: service, image, registry from the sandbox's env. */
const head = ({ service, registry }: BenchApp): string => `service: ${service}
image: bench/${service}
registry:
  server: ${registry}
  username: <%= ENV.fetch("SANDBOX_REGISTRY_USER") %>
  password:
    - SANDBOX_REGISTRY_PASSWORD
`

/**
 * deploy.yml as Kamal 1.x users write it, for 3 servers: web on the first two and workers on the
 * third, no proxy (`traefik: false`), each role with its own health check run every second
 * (Kamal's default interval), everything else at Kamal's defaults (readiness_delay, stop_wait_time,
 * retain_containers).
 */
export function kamalConfig(app: BenchApp): string {
  const [web1, web2, worker] = app.servers
  if (!web1 || !web2 || !worker || app.servers.length !== 3) throw new Error('the Kamal-shaped deploy needs 3 servers')
  return `${head(app)}servers:
  web:
    hosts:
      - ${web1}
      - ${web2}
    traefik: false
    healthcheck:
      cmd: wget -q -O /dev/null http://127.0.0.1/up || exit 1
      interval: 1s
  workers:
    hosts:
      - ${worker}
    cmd: sh -c "trap 'exit 0' TERM INT; while :; do sleep 1 & wait $!; done"
    healthcheck:
      cmd: kill -0 1
      interval: 1s
env:
  clear:
    GREETING: hello from the benchmark
  secret:
    - DEMO_SECRET
builder:
  multiarch: false
  dockerfile: demo/Dockerfile
ssh:
  user: root
  keys:
    - ${app.sshKey}
`
}

function demoConfig({ service, servers, registry, sshKey, caddyImage }: BenchApp): string {
  const web = servers.length > 1 ? servers.slice(0, -1) : servers
  const workers = servers.length > 1 ? servers.slice(-1) : []
  const hosts = (list: readonly string[]): string =>
    list.map((h, i) => `      - ${h}${i === 1 ? ': canary' : ''}`).join('\n')
  const workersRole =
    workers.length === 0
      ? ''
      : `
  workers:
    hosts:
${workers.map((h) => `      - ${h}`).join('\n')}
    cmd: sh -c "trap 'exit 0' TERM INT; while :; do sleep 1 & wait $!; done"
    options:
      no-healthcheck: true`
  return `${head({ service, servers, registry, sshKey, caddyImage })}servers:
  web:
    hosts:
${hosts(web)}${workersRole}
env:
  clear:
    GREETING: hello from the benchmark
  secret:
    - DEMO_SECRET
  tags:
    canary:
      CANARY: "true"
builder:
  multiarch: false
  dockerfile: demo/Dockerfile
healthcheck:
  cmd: wget -q -O /dev/null http://127.0.0.1/up || exit 1
  interval: 0.5s
  max_attempts: 30
ssh:
  user: root
  keys:
    - ${sshKey}
proxy:
  kind: caddy
  image: ${caddyImage}
  host_port: 80
  app_port: 80
  host: ${service}.test
readiness_delay: 0
stop_wait_time: 5
retain_containers: 3
`
}

/** A temp git repo holding the demo app and a generated deploy.yml; `commit()` makes a new version. */
export async function benchRepo(
  app: BenchApp,
): Promise<{ dir: string; commit(run: string): Promise<string>; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), `slipway-${app.service}-`))
  cpSync(join(REPO_ROOT, 'demo'), join(dir, 'demo'), { recursive: true })
  cpSync(join(REPO_ROOT, '.dockerignore'), join(dir, '.dockerignore'))
  writeFileSync(join(dir, 'deploy.yml'), benchConfig(app))
  const identity = {
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@localhost',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@localhost',
  }
  const git = $({ cwd: dir, quiet: true, env: { ...process.env, ...identity } })
  await git`git init -q -b main`
  return {
    dir,
    // A changed file per run, as a real deploy of new code: the image gets a new layer, not just a new tag.
    async commit(run) {
      writeFileSync(join(dir, 'demo/www/bench.txt'), `${run}\n`)
      await git`git add -A`
      await git`git commit -q -m ${run}`
      return (await git`git rev-parse HEAD`).stdout.trim()
    },
    // The deploys' clean clone and build record (`<tmp>/slipway-clones/<service>-<digest>*`) go too.
    remove: () => {
      const clone = cloneDirOf(app.service, dir)
      for (const path of [dir, clone, `${clone}.default.last-build.json`])
        rmSync(path, { recursive: true, force: true })
    },
  }
}
