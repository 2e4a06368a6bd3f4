import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:https'
import { join } from 'node:path'
import type { Layout } from './layout.ts'
import { livePid, startDetached, stopPid } from './process.ts'
import type { SecretPaths } from './secrets.ts'
import { waitFor } from './run.ts'

const PROGRAM = 'docker-registry'

/** Registry files of an instance; `data` is kept by `down` so the next `up` finds its images. */
export const registryPaths = (l: Layout) => ({
  config: join(l.dir, 'registry', 'config.yml'),
  data: join(l.dir, 'registry', 'data'),
  pid: join(l.dir, 'registry', 'registry.pid'),
  log: join(l.dir, 'registry', 'registry.log'),
})

/** The registry's config: TLS with the sandbox CA's leaf, htpasswd auth, filesystem storage, bound to the gateway only. */
function registryConfig(l: Layout, s: SecretPaths, data: string): string {
  return [
    'version: 0.1',
    'log: { level: warn, accesslog: { disabled: true } }',
    `storage: { filesystem: { rootdirectory: ${data} }, delete: { enabled: true }, cache: { blobdescriptor: inmemory } }`,
    `http: { addr: "${l.registry}", tls: { certificate: ${join(s.tlsDir, 'registry.crt')}, key: ${join(s.tlsDir, 'registry.key')} } }`,
    `auth: { htpasswd: { realm: ${l.name}, path: ${s.htpasswd} } }`,
    '',
  ].join('\n')
}

/** Starts the registry unless ours already runs, then waits until it answers over TLS. */
export async function ensureRegistry(l: Layout, s: SecretPaths): Promise<'started' | 'running'> {
  const p = registryPaths(l)
  mkdirSync(p.data, { recursive: true })
  const config = registryConfig(l, s, p.data)
  const same = (() => {
    try {
      return readFileSync(p.config, 'utf8') === config
    } catch {
      return false
    }
  })()
  if (same && livePid(p.pid, PROGRAM) && (await registryAnswers(l, s))) return 'running'
  await stopPid(p.pid, PROGRAM)
  writeFileSync(p.config, config)
  startDetached(['/usr/bin/docker-registry', 'serve', p.config], p.pid, p.log)
  await waitFor(`the registry on ${l.registry} (log: ${p.log})`, () => registryAnswers(l, s), {
    timeoutMs: 15_000,
    intervalMs: 30,
  })
  return 'started'
}

/** Stops the registry process; its data stays. */
export const stopRegistry = (l: Layout): Promise<boolean> => stopPid(registryPaths(l).pid, PROGRAM)

/** True when `GET /v2/` over TLS (verified against the sandbox CA) gets the 401 of a registry with auth. */
export function registryAnswers(l: Layout, s: SecretPaths): Promise<boolean> {
  const [host, port] = l.registry.split(':') as [string, string]
  return new Promise((resolve) => {
    const req = request(
      { host, port: Number(port), path: '/v2/', ca: readFileSync(s.caCert), timeout: 1000 },
      (res) => {
        res.resume()
        resolve(res.statusCode === 401 || res.statusCode === 200)
      },
    )
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}
