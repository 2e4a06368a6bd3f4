import { existsSync } from 'node:fs'
import { readEnvFile } from './env.ts'
import { type SandboxOptions, layout } from './layout.ts'
import { lbAnswers, lbPaths } from './lb.ts'
import { livePid } from './process.ts'
import { registryAnswers, registryPaths } from './registry.ts'
import { secretPaths } from './secrets.ts'
import { existingServers, serverReady } from './servers.ts'

/** Prints servers, registry and load balancer of a sandbox and whether each answers; true when all do. */
export async function sandboxStatus(
  options: Pick<SandboxOptions, 'name'>,
  print: (line: string) => void,
): Promise<boolean> {
  const named = layout(options)
  if (!existsSync(named.envFile)) {
    print(`${named.name}: not up (no ${named.envFile}); run: npm run sandbox:up`)
    const leftovers = await existingServers(named).catch(() => new Map())
    if (leftovers.size > 0) print(`  but ${leftovers.size} server containers exist: run npm run sandbox:down`)
    return false
  }
  const env = readEnvFile(named.envFile)
  const ips = (env.SANDBOX_SERVERS ?? '').split(' ').filter(Boolean)
  const l = layout({
    ...options,
    servers: ips.length,
    subnet: env.SANDBOX_SUBNET?.replace(/\.0\/24$/, ''),
    lbPort: Number(new URL(env.SANDBOX_LB_URL ?? 'http://x:19080').port),
    lbBackends: (env.SANDBOX_LB_BACKENDS ?? '').split(' ').filter(Boolean).length || 2,
  })
  const s = secretPaths(l)
  const containers = await existingServers(l)
  let ok = true
  const mark = (up: boolean): string => ((ok &&= up), up ? 'up' : 'DOWN')
  print(`${l.name}: ${l.count} servers on ${l.network} (${l.cidr}); env ${l.envFile}`)
  const ready = await Promise.all(l.servers.map((x) => serverReady(s, x.ip)))
  l.servers.forEach((x, i) => {
    const state = containers.get(x.container)?.running ? 'running' : 'missing'
    print(`  server ${x.container} ${x.ip}: container ${state}, ssh+docker ${mark(ready[i]!)}`)
  })
  const registryPid = livePid(registryPaths(l).pid, 'docker-registry')
  print(`  registry https://${l.registry} (pid ${registryPid ?? '-'}): ${mark(await registryAnswers(l, s))}`)
  const lbPid = livePid(lbPaths(l).pid, 'nginx')
  print(`  load balancer ${l.lbUrl} → ${l.lbBackends.join(', ')} (pid ${lbPid ?? '-'}): ${mark(await lbAnswers(l))}`)
  return ok
}
