import { randomBytes } from 'node:crypto'
import { escapeValue } from '../../../lib/commands/env-file.ts'
import { readSandboxEnv, sshExec, type SandboxEnv } from './sandbox.ts'

// Plays what Kamal 1.9.3 runs on the servers for `kamal deploy`, `kamal rollback`, `kamal lock`,
// as the shell lines Kamal writes (its quoting: `--label
// service="app"`, a bare `--label destination`), so a host ends up exactly as Kamal leaves it:
// container names, labels, env files, lock dir, latest tag, pruned history. Kamal itself cannot
// run here (no RubyGems, no traefik image); its roles are `traefik: false`, so no proxy is involved.

/** The Kamal 1.x app the player deploys: one service, its roles and hosts, as in its deploy.yml. */
export interface KamalApp {
  readonly service: string
  /** `<registry>/<image>` */
  readonly repository: string
  /** role → hosts (with their tags), primary role (web) first. */
  readonly roles: readonly {
    readonly name: string
    readonly hosts: readonly Host[]
    readonly cmd?: string
    readonly options?: string
  }[]
  /** Root env: clear values, and secrets with their values (Kamal reads them from .env). */
  readonly clear: Readonly<Record<string, string>>
  readonly secrets: Readonly<Record<string, string>>
  /** tag → clear values */
  readonly tags: Readonly<Record<string, Readonly<Record<string, string>>>>
  readonly stopWaitTime: number
  readonly retainContainers: number
}
interface Host {
  readonly host: string
  readonly tags: readonly string[]
}

const dq = (v: string): string => JSON.stringify(v) // Kamal's escape_shell_value for plain ASCII values

export function kamal(app: KamalApp, sandbox: SandboxEnv = readSandboxEnv()) {
  const hosts = [...new Set(app.roles.flatMap((r) => r.hosts.map((h) => h.host)))]
  const primary = app.roles[0]!.hosts[0]!.host
  const lockDir = `.kamal/locks/${app.service}`
  const on = (host: string, script: string) => sshExec(host, script, { env: sandbox })
  const all = (f: (host: string) => Promise<unknown>) => Promise.all(hosts.map(f))

  const envFile = (role: string): string => `.kamal/env/roles/${app.service}-${role}.env`
  const clearFor = (h: Host): Record<string, string> =>
    Object.assign({}, app.clear, ...h.tags.map((t) => app.tags[t] ?? {}))

  return {
    /** `kamal lock acquire -m MSG`: mkdir on the primary host, base64 details inside. */
    async lockAcquire(message: string, version: string): Promise<void> {
      const details = `Locked by: Kamal Deployer at ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}\nVersion: ${version}\nMessage: ${message}`
      await all((h) => on(h, 'mkdir -p .kamal'))
      await on(
        primary,
        `mkdir -p .kamal/locks && mkdir ${lockDir} && echo "${Buffer.from(details).toString('base64')}" > ${lockDir}/details`,
      )
    },
    /** `kamal lock status`: the decoded details, or Kamal's "There is no deploy lock". */
    async lockStatus(): Promise<string> {
      const r = await sshExec(primary, `stat ${lockDir} > /dev/null && cat ${lockDir}/details | base64 -d`, {
        allowFailure: true,
        env: sandbox,
      })
      return r.code === 0 ? r.stdout : /No such file or directory/.test(r.stderr) ? 'There is no deploy lock' : r.stderr
    },
    async lockRelease(): Promise<void> {
      await on(primary, `rm ${lockDir}/details && rm -r ${lockDir}`)
    },

    /** `kamal env push`: per host and role, the secrets env file (mode 400). */
    async envPush(): Promise<void> {
      const lines =
        Object.entries(app.secrets)
          .map(([k, v]) => `${k}=${escapeValue(v)}\n`)
          .join('') || '\n'
      await Promise.all(
        app.roles.flatMap((role) =>
          role.hosts.map((h) =>
            sshExec(
              h.host,
              `mkdir -p .kamal/env/roles && cat > ${envFile(role.name)} && chmod 400 ${envFile(role.name)}`,
              {
                input: lines,
                env: sandbox,
              },
            ),
          ),
        ),
      )
    },

    /** `kamal deploy --version V` (skip-push: the image is in the registry): lock, env, pull, boot, tag, prune. */
    async deploy(version: string): Promise<void> {
      await this.lockAcquire('Automatic deploy lock', version)
      await this.envPush()
      await this.pull(version)
      await this.boot(version)
      await this.prune()
      await this.lockRelease()
    },

    /** `kamal rollback V`: under the lock, boot the old version again (its image is still on the hosts). */
    async rollback(version: string): Promise<void> {
      await this.lockAcquire('Automatic deploy lock', version)
      await this.boot(version)
      await this.lockRelease()
    },

    async pull(version: string): Promise<void> {
      const image = `${app.repository}:${version}`
      await all((h) =>
        on(
          h,
          `docker login ${sandbox.registry} -u ${dq(sandbox.registryUser)} -p ${dq(sandbox.registryPassword)} >/dev/null && ` +
            `docker image rm --force ${image} >/dev/null 2>&1; docker pull ${image} >/dev/null && ` +
            `docker inspect -f '{{ .Config.Labels.service }}' ${image} | grep -x ${app.service} || (echo "Image ${image} is missing the 'service' label" && exit 1)`,
        ),
      )
    },

    /** `kamal app boot --version V`: per host, primary role first; then latest moves on every host. */
    async boot(version: string): Promise<void> {
      await all(async (host) => {
        for (const role of app.roles) {
          const h = role.hosts.find((x) => x.host === host)
          if (h) await bootRole(role, h, version)
        }
      })
      await all((h) => on(h, `docker tag ${app.repository}:${version} ${app.repository}:latest`))
    },

    /** `kamal prune all`: stopped containers beyond retain_containers, then unused images. */
    async prune(): Promise<void> {
      const svc = app.service
      await all((h) =>
        on(
          h,
          `docker ps -q -a --filter label=service=${svc} --filter status=created --filter status=exited --filter status=dead | ` +
            `tail -n +${app.retainContainers + 1} | while read container_id; do docker rm $container_id; done >/dev/null; ` +
            `docker container prune --force --filter label=service=healthcheck-${svc} >/dev/null; ` +
            `docker image prune --force --filter label=service=${svc} >/dev/null; ` +
            `docker image ls --filter label=service=${svc} --format '{{.ID}} {{.Repository}}:{{.Tag}}' | ` +
            `grep -v -w "$(docker container ls -a --format '{{.Image}}\\|' --filter label=service=${svc} | tr -d '\\n')${app.repository}:latest\\|${app.repository}:<none>" | ` +
            `while read image tag; do docker rmi $tag; done >/dev/null`,
        ),
      )
    },
  }

  async function bootRole(role: KamalApp['roles'][number], h: Host, version: string): Promise<void> {
    const name = `${app.service}-${role.name}-${version}`
    const prefix = `${app.service}-${role.name}`
    // Boot#old_version_renamed_if_clashing, then the running version before the new one starts.
    await on(
      h.host,
      `if [ -n "$(docker container ls --all --filter name=^${name}$ --quiet)" ]; then docker rename ${name} ${name}_replaced_${randomBytes(8).toString('hex')}; fi`,
    )
    const old = (
      await on(
        h.host,
        `docker ps --filter label=service=${app.service} --filter label=role=${role.name} --filter status=running --filter status=restarting --latest --format '{{.Names}}' | while read line; do echo \${line#${prefix}-}; done`,
      )
    ).stdout.trim()
    const env = Object.entries(clearFor(h)).map(([k, v]) => `--env ${k}=${dq(v)}`)
    // prettier-ignore
    const run = [
      'docker run --detach --restart unless-stopped', `--name ${name}`,
      `--hostname ${h.host.slice(0, 51).replace(/\.+$/, '')}-${randomBytes(6).toString('hex')}`,
      `-e KAMAL_CONTAINER_NAME=${dq(name)}`, `-e KAMAL_VERSION=${dq(version)}`,
      `--env-file ${envFile(role.name)}`, ...env,
      '--log-opt max-size="10m"',
      `--label service=${dq(app.service)}`, `--label role=${dq(role.name)}`, '--label destination',
      role.options ?? '', `${app.repository}:${version}`, role.cmd ?? '',
    ].filter(Boolean).join(' ')
    await on(h.host, `${run} >/dev/null`)
    await waitReady(h.host, name)
    if (old && old !== version)
      await on(
        h.host,
        `docker container ls --all --filter name=^${prefix}-${old}$ --quiet | xargs docker stop -t ${app.stopWaitTime} >/dev/null`,
      )
  }

  // Kamal's Poller: healthy, or running for a container without a health check.
  async function waitReady(host: string, name: string): Promise<void> {
    for (let attempt = 1; attempt <= 30; attempt++) {
      const status = (
        await on(
          host,
          `docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' ${name}`,
        )
      ).stdout.trim()
      if (status === 'healthy' || status === 'running') return
      await new Promise((r) => setTimeout(r, 250 * attempt))
    }
    throw new Error(`${name} on ${host} never became ready`)
  }
}
