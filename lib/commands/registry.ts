import type { Config } from '../config/types.ts'
import { cmd, type Command } from '../shell/command.ts'

// Registry login/logout on a host. Kamal passes `-p <password>`; slipway sends the password on
// stdin so it never appears in argv (visible in the remote `ps`) or in any log line.

/** `docker login [server] -u <user> --password-stdin`; run with `{ stdin: passwordStdin(config) }`. No server → Docker Hub. */
export const login = (config: Config): Command =>
  cmd('docker', 'login', config.registry.server, '-u', config.registry.username, '--password-stdin')

/** What to write on `login`'s stdin: the password, in clear, for the executor only. */
export const passwordStdin = (config: Config): string => config.registry.password.value

/** `docker logout [server]` */
export const logout = (config: Config): Command => cmd('docker', 'logout', config.registry.server)
