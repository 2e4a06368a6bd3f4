import type { Config, Role } from '../config/types.ts'
import * as traefik from '../commands/traefik.ts'
import * as registry from '../commands/registry.ts'
import { envFileContent, writeEnvFile } from '../commands/env-file.ts'
import { andAll } from '../commands/args.ts'
import type { AppRunExtras, ProxyDriver, ProxyHost } from './driver.ts'
import { cutover } from './traefik-cutover.ts'

// Traefik exactly as Kamal 1.x runs it: one `traefik` container per proxy host, routing by the
// labels of the app containers (traefik-cutover.ts for the switch).

/** The traefik driver (Kamal 1.x). */
export const traefikDriver: ProxyDriver = {
  kind: 'traefik',
  entries: ['proxy', 'traefik'],
  routesOnDockerHealth: true,
  rebootHooks: ['pre-traefik-reboot', 'post-traefik-reboot'],
  container: () => traefik.CONTAINER,
  image: (config) => config.traefik.image,

  appRun(config: Config, role: Role): AppRunExtras {
    return { labels: traefik.appLabels(config, role), args: [], cord: role.healthcheck.cord !== false }
  },

  cutover,

  async boot(host) {
    const { remote, config, signal } = host
    await writeEnv(host)
    // Kamal logs in before every traefik boot; a host this run already logged in needs no second login.
    if (host.loggedIn()) await remote.run(traefik.startOrRun(config), { signal })
    else {
      const stdin = registry.passwordStdin(config)
      await remote.run(andAll(registry.login(config), traefik.startOrRun(config)), { stdin, signal })
    }
    host.markLoggedIn()
  },

  async reboot(host) {
    const { remote, config, signal } = host
    await writeEnv(host)
    await remote.run(registry.login(config), { stdin: registry.passwordStdin(config), signal })
    host.markLoggedIn()
    await remote.run(traefik.stop(), { allowFailure: true, signal })
    await remote.run(traefik.removeContainer(), { signal })
    await remote.run(traefik.run(config), { signal })
  },

  // Traefik serves as soon as it runs; Kamal waits for nothing either.
  async start({ remote, signal }) {
    await remote.run(traefik.start(), { signal })
  },

  stop: () => traefik.stop(),
  details: () => traefik.details(),
  logs: (_, params) => traefik.logs(params),

  envFile: (config) => ({ path: traefik.envFilePath(config), env: config.traefik.env }),

  async remove({ remote, signal }) {
    await remote.run(traefik.stop(), { allowFailure: true, signal })
    await remote.run(traefik.removeContainer(), { signal })
    await remote.run(traefik.removeImage(), { allowFailure: true, signal })
  },
}

// Traefik's secret env lives in a mode-600 file written from stdin, never in argv.
async function writeEnv({ remote, config, signal }: ProxyHost): Promise<void> {
  const env = config.traefik.env
  if (Object.keys(env.secret).length === 0) return
  await remote.run(writeEnvFile(traefik.envFilePath(config)), { stdin: envFileContent(env), signal })
}
