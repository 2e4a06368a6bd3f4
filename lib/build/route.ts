import * as builder from '../commands/builder.ts'
import type { BuildEngine, BuilderTarget } from '../commands/builder.ts'
import type { Config } from '../config/types.ts'
import { BuildError } from '../errors.ts'
import type { Executor } from '../exec/executor.ts'
import { describeEngine, detectEngine } from './engine.ts'
import { remoteBuilderHost, type RemoteBuilderHost } from './remote-host.ts'

/**
 * Which way an image gets built, decided once per run from the config and what the machines have:
 * - `buildx`: docker buildx is installed here, so Kamal's builder targets run exactly as Kamal's
 *   (a `builder.remote` builds through a buildx builder on a docker context of that host);
 * - `remote`: no buildx here and an `ssh://` remote builder: the build runs on that host's docker
 *   engine over slipway's ssh connection, and is pushed from there;
 * - `local`: no buildx and no remote builder: `docker build` + `docker push` on this machine.
 */
export type BuildRoute =
  | { readonly kind: 'buildx'; readonly target: BuilderTarget }
  | { readonly kind: 'local'; readonly target: BuilderTarget; readonly engine: BuildEngine }
  | { readonly kind: 'remote'; readonly builder: RemoteBuilderHost; readonly engine: BuildEngine }

/** What choosing a route needs: the config, this machine, and a connection to a host. */
export interface RouteInputs {
  readonly config: Config
  readonly local: Executor
  readonly remote: (host: string) => Executor
  readonly signal?: AbortSignal | undefined
}

/**
 * Detects this machine's docker and, for a remote build without buildx, connects to the builder
 * (host key checked as for app hosts) and detects its docker: both before anything is built.
 */
export async function chooseRoute({ config, local, remote, signal }: RouteInputs): Promise<BuildRoute> {
  const target = builder.targetOf(config.builder)
  const engine = await detectEngine(local, { signal })
  if (engine.kind === 'buildx') return { kind: 'buildx', target }
  if (target.kind !== 'native-remote' && target.kind !== 'multiarch-remote') return { kind: 'local', target, engine }
  const host = remoteBuilderHost(config.builder, config.ssh)
  if (!host) {
    throw new BuildError(
      `builder.remote.host ${config.builder.remoteHost ?? '(unset)'}: without docker buildx here, slipway builds on a remote builder over ssh:// only (install docker buildx for other hosts)`,
    )
  }
  return { kind: 'remote', builder: host, engine: await detectEngine(remote(host.spec), { signal }) }
}

/** Where the build runs: `localhost`, or the remote builder's `user@host:port`. */
export const buildHost = (route: BuildRoute, config: Config): string =>
  route.kind === 'remote'
    ? route.builder.spec
    : route.kind === 'buildx' && (route.target.kind === 'native-remote' || route.target.kind === 'multiarch-remote')
      ? (config.builder.remoteHost ?? 'localhost')
      : 'localhost'

/** One line for the task output and `build details`: which path runs, and where. */
export function describeRoute(route: BuildRoute, config: Config): string {
  switch (route.kind) {
    case 'buildx':
      return route.target.kind === 'native'
        ? 'docker build and docker push on this machine (builder.multiarch: false)'
        : `docker buildx, ${route.target.kind} target (builder ${builder.builderName(config, route.target)})`
    case 'local':
      return `${describeEngine(route.engine)} on this machine`
    case 'remote':
      return `the docker engine of ${route.builder.spec} (${describeEngine(route.engine)} there; docker buildx is not installed here)`
    default:
      return route satisfies never
  }
}
