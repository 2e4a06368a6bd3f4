import { mergeEnv } from './normalize-env.ts'
import type { Config, Env, Role } from './types.ts'

/**
 * The env a role's container gets on one host: root env < role env < the env of each of the
 * host's tags in order (later tags win), clear values and secrets merged key by key (Kamal's Role#env).
 */
export function envFor(config: Config, role: Role, host: string): Env {
  const tags = (role.tags[host] ?? []).flatMap((tag) => {
    const env = config.envTags[tag]
    return env ? [env] : []
  })
  return mergeEnv(config.env, role.env, ...tags)
}
