import type { Config } from '../config/types.ts'
import { cmd, script, type Command } from '../shell/command.ts'
import { buildOptions, type BuildEngine, type RemoteInputs } from './builder.ts'

// A build on a remote builder's own docker engine, reached over slipway's ssh connection, for
// machines without docker buildx: the context arrives on stdin (`docker build … -`), secrets in
// 0600 files of a temp dir that lives only as long as the build.

/** Requirements of a remote-engine build that cannot be met, as one message (undefined when it can). */
export function unsupportedRemotely(config: Config, engine: BuildEngine, where: string): string | undefined {
  if (config.builder.ssh !== undefined) {
    return `builder.ssh forwards this machine's ssh agent, which a build on ${where} cannot use: install docker buildx here to build through it`
  }
  if (engine.kind === 'legacy' && config.builder.secrets.length > 0) {
    return `builder.secrets need BuildKit, which the docker client on ${where} lacks (install docker buildx there, or a docker client with BuildKit built in)`
  }
  return undefined
}

/** `env DOCKER_BUILDKIT=… docker build <Kamal's options> -`: the context is read from stdin. */
export function build(
  config: Config,
  { version, engine, inputs }: { version: string; engine: BuildEngine; inputs: RemoteInputs },
): Command {
  // A remote client with buildx builds through it when DOCKER_BUILDKIT=1, so it counts as BuildKit here.
  const docker = engine.kind === 'buildx' ? 'docker' : engine.docker
  const buildkit = engine.kind === 'legacy' ? 0 : 1
  const options = buildOptions(
    config,
    version,
    engine.kind === 'buildx' ? { kind: 'buildkit', docker } : engine,
    inputs,
  )
  return cmd('env', `DOCKER_BUILDKIT=${buildkit}`, docker, 'build', ...options, '-')
}

/** Prints the path of a new private temp dir for one build's secret files. */
export const makeTempDir = (): Command => script('umask 077 && mktemp -d "${TMPDIR:-/tmp}/slipway-build.XXXXXXXX"')

/** Removes a build's temp dir (and the secrets in it). */
export const removeTempDir = (dir: string): Command => cmd('rm', '-rf', dir)

/** Removes temp dirs that interrupted builds left behind (`build remove`); prints how many it removed. */
export const removeLeftovers = (): Command =>
  script(
    'n=0; for d in "${TMPDIR:-/tmp}"/slipway-build.*; do [ -d "$d" ] || continue; rm -rf "$d" && n=$((n + 1)); done; echo "$n"',
  )

/** `docker version` of the engine a builder user reaches: client and server versions, one line. */
export const engineVersion = (docker: string): Command =>
  cmd(
    docker,
    'version',
    '--format',
    'client {{.Client.Version}}, engine {{.Server.Version}} ({{.Server.Os}}/{{.Server.Arch}})',
  )

/** The builder engine's images of the app (what `build details` lists). */
export const images = (config: Config, docker: string): Command =>
  cmd(docker, 'image', 'ls', config.repository, '--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.CreatedSince}}')
