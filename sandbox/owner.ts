import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { Layout } from './layout.ts'
import { docker, RunError } from './run.ts'
import { DIR_LABEL, existingServers } from './servers.ts'

/**
 * Refuses, before anything is changed, to act on an instance that another checkout of slipway
 * runs: the same name means the same containers, network, addresses, registry and load balancer
 * port, so taking it over would break the other checkout's servers under it. The message says
 * which checkout owns it and the two ways on. An owner whose state directory is gone (a deleted
 * clone, e.g. an earlier CI run) is nobody's: its instance is taken over as if it were this one's.
 */
export async function assertOwnedHere(l: Layout, action: 'up' | 'down'): Promise<void> {
  const owners = new Set<string>()
  for (const server of (await existingServers(l)).values()) if (server.dir) owners.add(server.dir)
  const network = await docker(['network', 'inspect', '--format', `{{index .Labels "${DIR_LABEL}"}}`, l.network], {
    allowFailure: true,
  })
  const networkOwner = network.code === 0 ? network.stdout.trim() : ''
  if (networkOwner && networkOwner !== '<no value>') owners.add(networkOwner)
  const other = otherLiveOwner(owners, l.dir)
  if (other === undefined) return
  const checkout = checkoutOf(other)
  throw new RunError(
    `sandbox instance "${l.name}" (${l.cidr}) is running from another checkout, ${checkout}; nothing was changed. ` +
      `Either give this checkout an instance of its own (SANDBOX_NAME=<name> SANDBOX_SUBNET=172.29.<n> ` +
      `SANDBOX_LB_PORT=<port> npm run sandbox:${action}), or stop that one first (cd ${checkout} && ` +
      `SANDBOX_NAME=${l.name} npm run sandbox:down).`,
  )
}

/** The first owner that is not this checkout and whose state directory still exists. */
export function otherLiveOwner(
  owners: Iterable<string>,
  here: string,
  exists: (dir: string) => boolean = existsSync,
): string | undefined {
  for (const dir of owners) if (dir !== here && exists(dir)) return dir
  return undefined
}

/** The checkout of a state directory: `<checkout>/.sandbox` or `<checkout>/.sandbox/instances/<name>`. */
function checkoutOf(stateDir: string): string {
  const parts = resolve(stateDir).split('/')
  const at = parts.lastIndexOf('.sandbox')
  return at > 0 ? parts.slice(0, at).join('/') || '/' : dirname(stateDir)
}
