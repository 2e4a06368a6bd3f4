import type { BuildEngine } from '../commands/builder.ts'
import * as builder from '../commands/builder.ts'
import type { Command } from '../shell/command.ts'
import type { Executor } from '../exec/executor.ts'

// Docker clients before 23.0 carry BuildKit inside; later ones hand `docker build` to the buildx
// plugin and fail with DOCKER_BUILDKIT=1 when it is missing (the 28.2 client of the sandbox machine does, docs/sandbox.md).
const BUILTIN_BUILDKIT_BEFORE = 23

/** Docker clients tried for BuildKit without buildx: the one on PATH, then Debian's packaged client. */
const DOCKER_CLIENTS = ['docker', '/usr/bin/docker'] as const

/**
 * Finds how this machine can build: buildx if installed, else a client with BuildKit built in, else
 * the legacy builder. The three docker CLIs are asked at once: the build waits for this answer, and
 * where buildx is missing the two client versions would otherwise cost a second wave of processes.
 */
export async function detectEngine(local: Executor, { signal }: { signal?: AbortSignal } = {}): Promise<BuildEngine> {
  const ask = (command: Command) => local.run(command, { allowFailure: true, signal })
  const [buildx, ...versions] = await Promise.all([
    ask(builder.buildxVersion()),
    ...DOCKER_CLIENTS.map((docker) => ask(builder.clientVersion(docker))),
  ])
  if (buildx!.exitCode === 0) return { kind: 'buildx' }
  // The first in DOCKER_CLIENTS' order that qualifies wins, whichever answered first.
  const docker = DOCKER_CLIENTS.find((_, i) => {
    const major = clientMajor(versions[i]!.stdout)
    return versions[i]!.exitCode === 0 && major !== undefined && major < BUILTIN_BUILDKIT_BEFORE
  })
  return docker ? { kind: 'buildkit', docker } : { kind: 'legacy', docker: 'docker' }
}

/** `Docker version 20.10.24+dfsg1, build 297e128` → 20. */
export function clientMajor(versionLine: string): number | undefined {
  const match = /version (\d+)\./i.exec(versionLine)
  return match ? Number(match[1]) : undefined
}

/** A one-line description of the engine for task output. */
export function describeEngine(engine: BuildEngine): string {
  switch (engine.kind) {
    case 'buildx':
      return 'docker buildx'
    case 'buildkit':
      return `${engine.docker} build with built-in BuildKit (no buildx)`
    case 'legacy':
      return `${engine.docker} build with the legacy builder (no buildx, no BuildKit)`
    default:
      return engine satisfies never
  }
}
