import * as builder from '../commands/builder.ts'
import type { BuilderTarget } from '../commands/builder.ts'
import type { Config } from '../config/types.ts'
import type { Executor } from '../exec/executor.ts'
import { remoteBuilderHost } from './remote-host.ts'

/** Inputs of builder setup. */
export interface SetupInputs {
  readonly local: Executor
  readonly config: Config
  readonly target: BuilderTarget
  readonly log: (line: string) => void
  readonly signal?: AbortSignal
}

/**
 * Kamal's `build push` builder check, for buildx targets: create the buildx builder (and docker
 * contexts) when missing, and recreate them when a context points at another host than deploy.yml
 * says. Before creating a `ssh://` remote builder, pre-connect with the URI's own user and port, so
 * its host key is accepted into known_hosts where docker's ssh transport will look for it.
 */
export async function ensureBuilder({ local, config, target, log, signal }: SetupInputs): Promise<void> {
  if (target.kind === 'native') return
  const name = builder.builderName(config, target)
  const exists = (await local.run(builder.inspectBuilder(name), { allowFailure: true, signal })).exitCode === 0
  if (exists && (await contextsMatch({ local, config, target, log, signal }))) return
  if (exists) {
    log(`Builder ${name} points at other hosts than deploy.yml: recreating it`)
    for (const step of builder.remove(config, target)) await local.run(step, { allowFailure: true, signal })
  }
  const ssh = remoteBuilderHost(config.builder, config.ssh)
  if (ssh) {
    log(`Connecting to the remote builder ${ssh.user}@${ssh.host}:${ssh.port}`)
    await local.run(builder.preconnect(ssh), { signal })
  }
  log(`Creating builder ${name}`)
  for (const step of builder.create(config, target)) await local.run(step, { signal })
}

async function contextsMatch({ local, config, target, signal }: SetupInputs): Promise<boolean> {
  for (const { name, host } of builder.contexts(config, target)) {
    const found = await local.run(builder.contextHost(name), { allowFailure: true, signal })
    if (found.exitCode !== 0 || found.stdout.trim() !== host) return false
  }
  return true
}
