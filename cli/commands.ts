import type { CliCommand } from '../lib/cli/command.ts'

/** One `slipway` command: its word, its line in `slipway --help`, and its module, loaded only when run. */
export interface Registration {
  readonly name: string
  readonly summary: string
  readonly load: () => Promise<CliCommand>
}

// One line per command, in the order `slipway --help` lists them. A command module loads only when
// its word is run, so `slipway config` never loads ssh2 or listr2.
// prettier-ignore
export const COMMANDS: readonly Registration[] = [
  { name: 'init', summary: 'Create deploy.yml, .env.example, sample hooks and tasks/*.ts in this repo', load: async () => (await import('./init.ts')).init },
  { name: 'config', summary: 'Show the resolved config (secrets redacted)', load: async () => (await import('./config.ts')).config },
  { name: 'setup', summary: 'Install Docker on the servers, then deploy', load: async () => (await import('./setup.ts')).setup },
  { name: 'deploy', summary: 'Build, push and deploy the app with zero downtime', load: async () => (await import('./deploy.ts')).deploy },
  { name: 'redeploy', summary: 'Deploy without building (the image is in the registry)', load: async () => (await import('./redeploy.ts')).redeploy },
  { name: 'rollback', summary: 'Boot an earlier VERSION again', load: async () => (await import('./rollback.ts')).rollback },
  { name: 'push', summary: 'Build and push the image only', load: async () => (await import('./push.ts')).push },
  { name: 'build', summary: 'Manage the builder: create, remove, details', load: async () => (await import('./build.ts')).build },
  { name: 'app', summary: 'Manage the app: boot, start, stop, details, containers, images, logs, version, …', load: async () => (await import('./app.ts')).app },
  { name: 'accessory', summary: 'Manage accessories (databases, caches): boot, reboot, details, logs, remove, …', load: async () => (await import('./accessory.ts')).accessory },
  { name: 'proxy', summary: 'Manage the proxy (caddy or traefik): boot, reboot, details, logs, remove, …', load: async () => (await import('./proxy.ts')).proxy },
  { name: 'traefik', summary: 'Kamal 1.x name of `proxy`, for a traefik proxy', load: async () => (await import('./proxy.ts')).traefik },
  { name: 'server', summary: 'Run a command on every server: exec CMD [-i]', load: async () => (await import('./server.ts')).server },
  { name: 'lock', summary: 'Show, acquire or release the deploy lock', load: async () => (await import('./lock.ts')).lock },
]
