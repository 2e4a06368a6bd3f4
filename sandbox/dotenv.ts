import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { formatEnv, type SandboxEnv } from './env.ts'
import { REPO_ROOT } from './layout.ts'

const MARK = '# Written by `npm run sandbox:up`'

/**
 * The repo's `.env` for its embedded default: what deploy.yml reads to deploy the demo to this
 * sandbox (Kamal's convention: a project's values come from `.env`), so plain `npx tsx
 * tasks/deploy.ts` and `npx slipway deploy` work with nothing exported by hand. A `.env` the
 * sandbox did not write is left alone. Returns what it did, for the log.
 */
export function writeRepoDotenv(env: SandboxEnv, root = REPO_ROOT): string {
  const file = join(root, '.env')
  if (existsSync(file) && !readFileSync(file, 'utf8').startsWith(MARK))
    return `kept ${file} (not written by the sandbox; deploy.yml needs its SANDBOX_SERVER_1..3, see docs)`
  const servers = env.SANDBOX_SERVERS.split(' ')
  const text = [
    `${MARK} for the ${env.SANDBOX_NAME} instance; rewritten by the next one.`,
    '# Remove the line above to make this file your own: the sandbox then leaves it alone.',
    formatEnv(env).trimEnd(),
    ...servers.map((ip, i) => `SANDBOX_SERVER_${i + 1}=${ip}`),
    `SLIPWAY_KNOWN_HOSTS=${env.SANDBOX_KNOWN_HOSTS}`,
    'DEMO_SECRET=demo-secret-value',
    '',
  ].join('\n')
  writeFileSync(file, text, { mode: 0o600 })
  return `wrote ${file} (deploy.yml's values for this sandbox)`
}
