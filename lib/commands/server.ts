import type { Config } from '../config/types.ts'
import { and, cmd, type Command } from '../shell/command.ts'

// `server bootstrap`: check Docker and create the run directory on every host.

/** `docker -v`: is Docker installed? */
const dockerInstalled = (): Command => cmd('docker', '-v')

/** `mkdir -p <run_directory>` */
const ensureRunDirectory = (config: Config): Command => cmd('mkdir', '-p', config.runDirectory)

/** `docker -v && mkdir -p <run_directory>`: one round trip; fails (exit 127 or the client's) when Docker is missing. */
export const bootstrap = (config: Config): Command => and(dockerInstalled(), ensureRunDirectory(config))
