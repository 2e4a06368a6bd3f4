import type { Config } from '../config/types.ts'
import { cmd, type Command } from '../shell/command.ts'
import { program } from './program.ts'

// Registry login/logout on a host. Kamal passes `-p <password>`; slipway sends the password on
// stdin so it never appears in argv (visible in the remote `ps`) or in any log line.

/** `docker login [server] -u <user> --password-stdin`; run with `{ stdin: passwordStdin(config) }`. No server → Docker Hub. */
export const login = (config: Config): Command =>
  cmd('docker', 'login', config.registry.server, '-u', config.registry.username, '--password-stdin')

/** What to write on `login`'s stdin: the password, in clear, for the executor only. */
export const passwordStdin = (config: Config): string => config.registry.password.value

const loginProgram = program<'server' | 'username'>('login-unless-stored.sh')

/**
 * `docker login` unless the host's docker config already holds these credentials for the registry
 * (sh/login-unless-stored.sh): the implicit login of a deploy, a push or a pull. Run it with
 * `{ stdin: storedAuthStdin(config) }`; `loggedInFromStore` tells which way it went.
 */
export const loginUnlessStored = (config: Config): Command =>
  loginProgram({ server: config.registry.server ?? '', username: config.registry.username })

/** {@link loginUnlessStored}'s stdin: the base64 of `user:password` as docker stores it, then the password. */
export const storedAuthStdin = (config: Config): string => {
  const { username, password } = config.registry
  const user = typeof username === 'string' ? username : username.value
  return `${Buffer.from(`${user}:${password.value}`).toString('base64')}\n${password.value}`
}

/** Whether {@link loginUnlessStored} kept the stored credentials (its output), rather than logging in. */
export const loggedInFromStore = (stdout: string): boolean => /^login=stored$/m.test(stdout)

/** `docker logout [server]` */
export const logout = (config: Config): Command => cmd('docker', 'logout', config.registry.server)
