import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The scale scenario's app: web on every host, workers on every tenth, no proxy, a health check each. */
export interface ScaleApp {
  readonly service: string
  readonly hosts: readonly string[]
  readonly port: number
  readonly sshKey: string
  /** `boot.limit` as written: a number of hosts or a percentage. */
  readonly bootLimit: string
  readonly maxConcurrentStarts: number
}

export const SCALE_REGISTRY = 'registry.scale.test:5000'

/** Which hosts run workers: every tenth (the first of each ten), so roles differ between hosts. */
export const workerHosts = (hosts: readonly string[]): string[] => hosts.filter((_, i) => i % 10 === 0)

/**
 * deploy.yml as a Kamal 1.x user writes it for a fleet: `traefik: false` (the fake docker runs no
 * proxy), health checks set by the config (so the fake reports `starting`, then `healthy`).
 */
export function scaleConfig(app: ScaleApp): string {
  const list = (hosts: readonly string[]): string => hosts.map((h) => `      - ${h}`).join('\n')
  return `service: ${app.service}
image: bench/${app.service}
registry:
  server: ${SCALE_REGISTRY}
  username: bench
  password:
    - SCALE_REGISTRY_PASSWORD
servers:
  web:
    hosts:
${list(app.hosts)}
    traefik: false
    healthcheck:
      cmd: wget -q -O /dev/null http://127.0.0.1/up || exit 1
      interval: 1s
  workers:
    hosts:
${list(workerHosts(app.hosts))}
    cmd: bin/jobs
    healthcheck:
      cmd: kill -0 1
      interval: 1s
env:
  clear:
    GREETING: hello from the scale bench
  secret:
    - SCALE_SECRET
boot:
  limit: ${JSON.stringify(app.bootLimit)}
sshkit:
  max_concurrent_starts: ${app.maxConcurrentStarts}
ssh:
  user: root
  port: ${app.port}
  keys_only: true
  keys:
    - ${app.sshKey}
`
}

/**
 * A dir under `parent` (the fleet's, so that stopping the fleet removes it too, also on Ctrl-C)
 * holding the app's deploy.yml (no git: deploys name their version with --version).
 */
export function scaleAppDir(app: ScaleApp, parent: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(parent, `app-${app.service}-`))
  writeFileSync(join(dir, 'deploy.yml'), scaleConfig(app))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}
