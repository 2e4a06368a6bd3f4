import { BuildError } from '../errors.ts'
import type { Builder, Config } from '../config/types.ts'
import { cmd, each, opt, type Arg, type Command } from '../shell/command.ts'
import { program } from './program.ts'

/** Where and how images are built: Kamal 1.x's builder targets, picked from `builder:`. */
export type BuilderTarget =
  | { readonly kind: 'multiarch'; readonly localArch: string | undefined }
  | { readonly kind: 'multiarch-remote'; readonly local: RemoteEnd; readonly remote: RemoteEnd }
  | { readonly kind: 'native-remote'; readonly remote: RemoteEnd }
  | { readonly kind: 'native' }
  | { readonly kind: 'native-cached' }

/** One docker engine a builder uses: its arch and its docker host (`ssh://user@host:port`, `unix://…`). */
export interface RemoteEnd {
  readonly arch: string
  readonly host: string
}

/**
 * What the local docker can build with, found at run time (lib/build/engine.ts), never assumed:
 * `buildx` (build and push in one `docker buildx build --push`), or plain `docker build` with the
 * daemon's built-in BuildKit (`DOCKER_BUILDKIT=1`, clients before 23 only) or the legacy builder.
 */
export type BuildEngine =
  | { readonly kind: 'buildx' }
  | { readonly kind: 'buildkit'; readonly docker: string }
  | { readonly kind: 'legacy'; readonly docker: string }

// Used when builder.local sets an arch but no host: the local engine's default socket.
const LOCAL_DOCKER_HOST = 'unix:///var/run/docker.sock'

/** Kamal's `Builder#target`: `multiarch: false` wins, then local+remote, then remote alone. */
export function targetOf(builder: Builder): BuilderTarget {
  const remote = builder.remoteArch !== undefined || builder.remoteHost !== undefined
  const local = builder.localArch !== undefined || builder.localHost !== undefined
  if (!builder.multiarch) return builder.cache ? { kind: 'native-cached' } : { kind: 'native' }
  const remoteEnd = { arch: builder.remoteArch ?? 'amd64', host: builder.remoteHost ?? LOCAL_DOCKER_HOST }
  if (remote && local) {
    return {
      kind: 'multiarch-remote',
      local: { arch: builder.localArch ?? 'amd64', host: builder.localHost ?? LOCAL_DOCKER_HOST },
      remote: remoteEnd,
    }
  }
  if (remote) return { kind: 'native-remote', remote: remoteEnd }
  return { kind: 'multiarch', localArch: builder.localArch }
}

/** `repo:VERSION` and `repo:latest[-destination]`, the two tags every build gets and pushes. */
function tags(config: Config, version: string): [string, string] {
  const latest = ['latest', config.destination].filter(Boolean).join('-')
  return [`${config.repository}:${version}`, `${config.repository}:${latest}`]
}

/** Where a build on another engine finds its Dockerfile and secrets (see lib/build/remote.ts). */
export interface RemoteInputs {
  /** The Dockerfile's path inside the streamed context. */
  readonly dockerfile: string
  /** The file on the builder holding each secret's value, by secret name. */
  readonly secretFile: (name: string) => string
}

/** Build options in Kamal's order: tags, cache, service label, args, secrets, file, target, ssh. */
export function buildOptions(config: Config, version: string, engine: BuildEngine, remote?: RemoteInputs): Arg[] {
  const b = config.builder
  const buildkit = engine.kind !== 'legacy'
  return [
    ...each('-t', tags(config, version)),
    ...(engine.kind === 'buildx' ? cacheOptions(config) : []),
    '--label',
    `service=${config.service}`, // pull checks this label (Kamal's validate_image)
    ...each(
      '--build-arg',
      Object.entries(b.args).map(([k, v]) => (v === '' ? k : `${k}=${v}`)),
    ),
    // Only the name goes in argv; BuildKit reads the value from the environment of the docker client.
    ...(buildkit
      ? each(
          '--secret',
          b.secrets.map((name) => (remote ? `id=${name},src=${remote.secretFile(name)}` : `id=${name}`)),
        )
      : []),
    '--file',
    remote?.dockerfile ?? b.dockerfile,
    ...opt('--target', b.target),
    ...(buildkit ? opt('--ssh', b.ssh) : []),
  ]
}

function cacheOptions({ builder, registry }: Config): Arg[] {
  if (!builder.cache) return []
  const { type, options, image } = builder.cache
  const ref = type === 'registry' ? `ref=${[registry.server, image].filter(Boolean).join('/')}` : undefined
  const to = [`type=${type}`, options, ref].filter(Boolean).join(',')
  const from = [`type=${type}`, ref].filter(Boolean).join(',')
  return ['--cache-to', to, '--cache-from', from]
}

/** `slipway-<service>-<target>`: the buildx builder (and context prefix) of a target. */
export const builderName = (config: Config, target: BuilderTarget): string => `slipway-${config.service}-${target.kind}`

/** Whether `build()` already pushed both tags (buildx targets push as they build; `native` never does). */
export const pushesDuringBuild = (target: BuilderTarget, engine: BuildEngine): boolean =>
  engine.kind === 'buildx' && target.kind !== 'native'

/** Requirements of a build that the engine cannot meet, as one message (undefined when it can). */
export function unsupported(config: Config, target: BuilderTarget, engine: BuildEngine): string | undefined {
  if (engine.kind === 'buildx') return undefined
  if (target.kind === 'multiarch-remote' || target.kind === 'native-remote') {
    return `builder.remote needs docker buildx, which is not installed here (docker buildx version failed)`
  }
  if (engine.kind === 'legacy' && (config.builder.secrets.length > 0 || config.builder.ssh !== undefined)) {
    return `builder.secrets and builder.ssh need BuildKit: install docker buildx (or a docker client with BuildKit built in)`
  }
  return undefined
}

/** The build command for the target and engine, run in the build directory; `context` is usually `.`. */
// prettier-ignore
export function build(config: Config, target: BuilderTarget, { version, engine, context }: { version: string; engine: BuildEngine; context: string }): Command {
  const problem = unsupported(config, target, engine)
  if (problem) throw new BuildError(problem)
  const options = buildOptions(config, version, engine)
  if (engine.kind !== 'buildx') {
    // Without buildx every target builds natively for this machine's platform.
    return cmd('env', `DOCKER_BUILDKIT=${engine.kind === 'buildkit' ? 1 : 0}`, engine.docker, 'build', ...options, context)
  }
  const name = builderName(config, target)
  switch (target.kind) {
    case 'native':
      return cmd('docker', 'build', ...options, context)
    case 'native-cached':
      return cmd('docker', 'buildx', 'build', '--push', ...options, context)
    case 'multiarch':
      return cmd('docker', 'buildx', 'build', '--push', '--platform', target.localArch ? `linux/${target.localArch}` : 'linux/amd64,linux/arm64', '--builder', name, ...options, context)
    case 'multiarch-remote':
      return cmd('docker', 'buildx', 'build', '--push', '--platform', `linux/${target.local.arch},linux/${target.remote.arch}`, '--builder', name, ...options, context)
    case 'native-remote':
      return cmd('docker', 'buildx', 'build', '--push', '--platform', `linux/${target.remote.arch}`, '--builder', name, ...options, context)
    default:
      return target satisfies never
  }
}

const pushTags = program<'versioned' | 'latest'>('push-tags.sh')

/** `docker push` of repo:VERSION and repo:latest[-dest] at once (sh/push-tags.sh; Kamal pushes them one after the other). */
export function push(config: Config, version: string): Command {
  const [versioned, latest] = tags(config, version)
  return pushTags({ versioned, latest })
}

/** Commands that create the target's buildx builder and docker contexts (none for plain `native`). */
// prettier-ignore
export function create(config: Config, target: BuilderTarget): Command[] {
  const name = builderName(config, target)
  const context = (end: RemoteEnd): Command =>
    cmd('docker', 'context', 'create', `${name}-${end.arch}`, '--description', `${name} ${end.arch} native host`, '--docker', `host=${end.host}`)
  switch (target.kind) {
    case 'native':
      return []
    case 'native-cached':
      return [cmd('docker', 'buildx', 'create', '--name', name, '--use', '--driver=docker-container')]
    case 'multiarch':
      return [cmd('docker', 'buildx', 'create', '--use', '--name', name)]
    case 'native-remote':
      return [context(target.remote), cmd('docker', 'buildx', 'create', '--name', name, `${name}-${target.remote.arch}`, '--platform', `linux/${target.remote.arch}`)]
    case 'multiarch-remote':
      return [
        context(target.local),
        context(target.remote),
        cmd('docker', 'buildx', 'create', '--platform', `linux/${target.local.arch}`, '--name', name, `${name}-${target.local.arch}`),
        cmd('docker', 'buildx', 'create', '--platform', `linux/${target.remote.arch}`, '--append', '--name', name, `${name}-${target.remote.arch}`),
      ]
    default:
      return target satisfies never
  }
}

/** Commands that remove what `create` made; each may fail harmlessly when already gone. */
export function remove(config: Config, target: BuilderTarget): Command[] {
  const builder = target.kind === 'native' ? [] : [cmd('docker', 'buildx', 'rm', builderName(config, target))]
  return [...contexts(config, target).map(({ name }) => cmd('docker', 'context', 'rm', name)), ...builder]
}

/** `docker buildx inspect <name>`: fails when the builder does not exist yet. */
export const inspectBuilder = (name: string): Command => cmd('docker', 'buildx', 'inspect', name)

/** `docker context inspect <name> --format {{.Endpoints.docker.Host}}`: the docker host a context points at. */
export const contextHost = (name: string): Command =>
  cmd('docker', 'context', 'inspect', name, '--format', '{{.Endpoints.docker.Host}}')

/** The docker contexts a target uses, by name, with the host each must point at. */
export function contexts(config: Config, target: BuilderTarget): { name: string; host: string }[] {
  const name = builderName(config, target)
  const ends =
    target.kind === 'native-remote'
      ? [target.remote]
      : target.kind === 'multiarch-remote'
        ? [target.local, target.remote]
        : []
  return ends.map((end) => ({ name: `${name}-${end.arch}`, host: end.host }))
}

/** `docker buildx version`: succeeds only where the buildx plugin is installed. */
export const buildxVersion = (): Command => cmd('docker', 'buildx', 'version')

/** `<docker> --version` of one client binary (its major version tells whether BuildKit is built in). */
export const clientVersion = (docker: string): Command => cmd(docker, '--version')

/** Accepts a remote builder's host key into known_hosts as docker's own ssh transport will read it. */
// prettier-ignore
export const preconnect = ({ host, user, port }: { host: string; user: string; port: number }): Command =>
  cmd('ssh', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=accept-new', '-p', String(port), `${user}@${host}`, 'true')
