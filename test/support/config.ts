import { parseConfig } from '../../lib/config/load.ts'
import type { Config } from '../../lib/config/types.ts'

/** The deploy.yml makeConfig() parses when given none: two web hosts, one worker, a registry. */
export const BASE_YML = `service: app
image: dhh/app
registry:
  server: registry.example.com
  username: user
  password: [KAMAL_REGISTRY_PASSWORD]
servers:
  web:
    - 1.1.1.1
    - 1.1.1.2
  workers:
    hosts: [1.1.1.3]
    cmd: bin/jobs
env:
  clear:
    RAILS_ENV: production
  secret: [DATABASE_PASSWORD]
`

/** The secrets BASE_YML needs (values are fake). */
export const BASE_ENV: Readonly<Record<string, string>> = {
  KAMAL_REGISTRY_PASSWORD: 'registry-pw',
  DATABASE_PASSWORD: 'db-pw',
}

/**
 * A Config built by the real parser (schema → normalize → rules), so test fixtures cannot drift
 * from what users can write. `env` is the secrets source (defaults to BASE_ENV).
 */
export function makeConfig(
  yml: string = BASE_YML,
  {
    env = BASE_ENV,
    destination,
    file = 'deploy.yml',
    root = '/app',
  }: { env?: Readonly<Record<string, string | undefined>>; destination?: string; file?: string; root?: string } = {},
): Config {
  return parseConfig(yml, { file, destination, env, root })
}

/** A role of a config by name; throws when there is none (a broken test, not a user error). */
export function role(config: Config, name: string): Config['roles'][number] {
  const found = config.roles.find((r) => r.name === name)
  if (!found) throw new Error(`no role ${name} in test config`)
  return found
}
