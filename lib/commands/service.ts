import type { Config } from '../config/types.ts'
import type { Command } from '../shell/command.ts'
import { containerPrefix } from './naming.ts'
import { program } from './program.ts'

// What `slipway remove` deletes beyond containers and images: the service's files in the run directory.

const REMOVE_FILES = program<'run'>('service-files-remove.sh')

/** The env files and cord dirs of every role of the service (sh/service-files-remove.sh). */
export const removeFiles = (config: Config): Command =>
  REMOVE_FILES(
    { run: config.runDirectory },
    config.roles.map((role) => containerPrefix(config, role)),
  )
