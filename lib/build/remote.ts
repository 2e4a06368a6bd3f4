import { join, resolve } from 'node:path'
import type { BuildEngine } from '../commands/builder.ts'
import * as registry from '../commands/registry.ts'
import * as remoteBuild from '../commands/remote-build.ts'
import type { Config } from '../config/types.ts'
import { BuildError } from '../errors.ts'
import type { Executor } from '../exec/executor.ts'
import { writeFile } from '../exec/upload.ts'
import { cmd, Secret } from '../shell/command.ts'
import { buildLog } from './build-log.ts'
import { contextTar } from './context-tar.ts'
import type { RemoteBuilderHost } from './remote-host.ts'

/** Inputs of a build on a remote builder's engine. */
export interface RemoteBuildInputs {
  readonly config: Config
  readonly version: string
  /** This machine: where the context is read and the secrets' values come from. */
  readonly local: Executor
  /** The builder, over slipway's ssh connection to it. */
  readonly remote: Executor
  readonly builder: RemoteBuilderHost
  readonly engine: BuildEngine
  /** The build dir and the context in it, as for a local build. */
  readonly dir: string
  readonly context: string
  readonly log: (line: string) => void
  readonly signal?: AbortSignal | undefined
}

/**
 * Builds on the remote builder's docker engine: logs that engine in to the registry (password on
 * stdin), puts the build secrets' values in 0600 files of a private temp dir there, streams the
 * context to `docker build -` and removes the temp dir whatever happens. A failed build is a
 * BuildError naming the builder, the failing step and the tail of the build log.
 */
export async function buildRemotely(inputs: RemoteBuildInputs): Promise<void> {
  const { config, version, remote, builder, engine, log, signal } = inputs
  const problem = remoteBuild.unsupportedRemotely(config, engine, builder.spec)
  if (problem) throw new BuildError(problem)
  // Read before anything is sent: a missing secret fails here, not half-way through the build.
  const secrets = await secretValues(inputs)
  const tar = await contextTar({
    contextDir: resolve(inputs.dir, inputs.context),
    dockerfile: resolve(inputs.dir, config.builder.dockerfile),
  })
  if (config.registry.password.value !== '') {
    await remote.run(registry.login(config), { stdin: registry.passwordStdin(config), signal })
  }
  const temp = secrets.length > 0 ? (await remote.run(remoteBuild.makeTempDir(), { signal })).stdout.trim() : ''
  try {
    for (const [name, value] of secrets) await writeFile(remote, join(temp, name), value.value, { signal })
    log(`Sending the build context to ${builder.spec}: ${tar.files} files, ${kib(tar.bytes)}`)
    const output = buildLog()
    const command = remoteBuild.build(config, {
      version,
      engine,
      inputs: { dockerfile: tar.dockerfile, secretFile: (name) => join(temp, name) },
    })
    const result = await remote.run(command, {
      stdin: tar.stream,
      allowFailure: true,
      signal,
      onOutput: (line) => (output.push(line), log(line)),
    })
    if (result.exitCode !== 0) {
      const step = output.failingStep()
      const tail = output.tail().join('\n')
      throw new BuildError(
        `build on ${builder.spec} failed${step ? ` at ${step}` : ''} (exit ${result.exitCode ?? 'by a signal'})${tail ? `:\n${tail}` : ''}`,
      )
    }
  } finally {
    tar.stream.destroy()
    // Never with the run's signal: after Ctrl-C the secrets must still be removed.
    if (temp) await remote.run(remoteBuild.removeTempDir(temp), { allowFailure: true }).catch(() => {})
  }
}

// The values the local docker client would read from its environment for `--secret id=NAME`.
async function secretValues({ config, local, signal }: RemoteBuildInputs): Promise<[string, Secret][]> {
  return Promise.all(
    config.builder.secrets.map(async (name): Promise<[string, Secret]> => {
      const found = await local.run(cmd('printenv', name), { allowFailure: true, signal })
      if (found.exitCode !== 0) throw new BuildError(`build secret ${name} is not set in the environment`)
      return [name, new Secret(found.stdout.replace(/\n$/, ''))]
    }),
  )
}

const kib = (bytes: number): string =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`
