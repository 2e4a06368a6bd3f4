import { $ } from 'zx'
import { loadConfig } from '../lib/config/load.ts'
import { sshPool } from '../lib/exec/ssh.ts'
import { cmd, pipe, seq, type Command } from '../lib/shell/command.ts'

/** What one server runs to forget a benchmarked service: its containers, its images, its lock and env files. */
export const removeServiceCommand = (service: string, repository: string): Command =>
  seq(
    pipe(
      cmd('docker', 'ps', '--all', '--quiet', '--filter', `label=service=${service}`),
      cmd('xargs', '-r', 'docker', 'rm', '--force'),
    ),
    pipe(cmd('docker', 'images', '--quiet', repository), cmd('xargs', '-r', 'docker', 'rmi', '--force')),
    cmd(
      'rm',
      '-rf',
      `.kamal/locks/${service}`,
      `.kamal/env/roles/${service}-web.env`,
      `.kamal/env/roles/${service}-workers.env`,
    ),
  )

/**
 * Removes the service from every server of its deploy.yml (over one ssh2 connection per host, as
 * a deploy does) and its images from this machine's docker. Best effort: reports, never throws.
 */
export async function removeService(
  dir: string,
  env: Record<string, string>,
  docker: string,
  log: (line: string) => void,
): Promise<void> {
  const config = await loadConfig({ cwd: dir, env })
  const pool = sshPool({ ...config.ssh, knownHostsFile: env['SLIPWAY_KNOWN_HOSTS'] })
  const hosts = [...new Set(config.roles.flatMap((r) => r.hosts))]
  try {
    const results = await Promise.allSettled(
      hosts.map((h) =>
        pool.executor(h).run(removeServiceCommand(config.service, config.repository), { allowFailure: true }),
      ),
    )
    const failed = results.filter((r) => r.status === 'rejected' || r.value.exitCode !== 0).length
    log(`removed ${config.service} from ${hosts.length - failed} of ${hosts.length} servers`)
  } finally {
    await pool.close()
  }
  const local = $({ quiet: true, nothrow: true, env })
  const ids = (await local`${docker} images --quiet ${config.repository}`).stdout.split('\n').filter(Boolean)
  if (ids.length > 0) await local`${docker} rmi --force ${[...new Set(ids)]}`
}
