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
  { name: 'build', summary: 'Build and deliver the image (push, pull, deliver) and manage the builder (create, remove, details)', load: async () => (await import('./build.ts')).build },
  { name: 'app', summary: 'Manage the app: boot, start, stop, details, containers, images, logs, version, …', load: async () => (await import('./app.ts')).app },
  { name: 'accessory', summary: 'Manage accessories (databases, caches): boot, reboot, details, logs, remove, …', load: async () => (await import('./accessory.ts')).accessory },
  { name: 'proxy', summary: 'Manage the proxy (caddy or traefik): boot, reboot, details, logs, remove, …', load: async () => (await import('./proxy.ts')).proxy },
  { name: 'traefik', summary: 'Kamal 1.x name of `proxy`, for a traefik proxy', load: async () => (await import('./proxy.ts')).traefik },
  { name: 'details', summary: 'Show the proxy, app and accessory containers on every host', load: async () => (await import('./details.ts')).details },
  { name: 'remove', summary: 'Remove everything of the service from its servers (asks unless -y)', load: async () => (await import('./remove.ts')).remove },
  { name: 'prune', summary: 'Prune old containers and images: all, containers [--retain N], images', load: async () => (await import('./prune.ts')).prune },
  { name: 'server', summary: 'The servers: bootstrap (Docker, the run directory), exec CMD [-i] on every one', load: async () => (await import('./server.ts')).server },
  { name: 'registry', summary: 'Log in to or out of the registry, here and on the servers', load: async () => (await import('./registry.ts')).registry },
  { name: 'env', summary: 'Push or delete the secret env files on the servers', load: async () => (await import('./env.ts')).env },
  { name: 'envify', summary: 'Render .env.erb into .env (mode 600), then env push unless -P', load: async () => (await import('./envify.ts')).envify },
  { name: 'audit', summary: 'Show the last 50 lines of the audit log on every host', load: async () => (await import('./audit.ts')).audit },
  { name: 'version', summary: 'Print the version of slipway', load: async () => (await import('./version.ts')).version },
  { name: 'lock', summary: 'Show, acquire or release the deploy lock', load: async () => (await import('./lock.ts')).lock },
]
