import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Config } from '../config/types.ts'
import { cloneDirOf } from './clone.ts'

/** Where and how the last build of a project (and destination) ran, as `build details` shows it. */
export interface LastBuild {
  readonly image: string
  readonly version: string
  /** `localhost`, or the builder: `user@host:port` (no buildx here) or the configured remote host (buildx). */
  readonly host: string
  /** The route described, e.g. `the docker engine of app@10.0.0.5:2122 (…)`. */
  readonly how: string
  /** ISO 8601 UTC. */
  readonly at: string
}

/** The record's file, next to the project's clean clone (one per destination). */
const lastBuildFile = (config: Pick<Config, 'service' | 'root' | 'destination'>): string =>
  `${cloneDirOf(config.service, config.root)}.${config.destination ?? 'default'}.last-build.json`

/** Records a finished build; best effort, as it only informs `build details`. */
export async function recordBuild(
  config: Config,
  build: Omit<LastBuild, 'image' | 'at'>,
  at: Date = new Date(),
): Promise<void> {
  const record: LastBuild = { image: `${config.repository}:${build.version}`, ...build, at: at.toISOString() }
  try {
    const file = lastBuildFile(config)
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, `${JSON.stringify(record, null, 2)}\n`)
  } catch {
    // A read-only tmp dir must not fail a build that succeeded.
  }
}

/** The last recorded build, or undefined when none was recorded on this machine. */
export async function lastBuild(config: Config): Promise<LastBuild | undefined> {
  try {
    return JSON.parse(await readFile(lastBuildFile(config), 'utf8')) as LastBuild
  } catch {
    return undefined
  }
}
