import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import type { Layout } from './layout.ts'
import { livePid, stopPid } from './process.ts'
import { RunError, run, waitFor } from './run.ts'

const PROGRAM = 'nginx'

/** Files of the front load balancer of an instance. */
export const lbPaths = (l: Layout) => {
  const dir = join(l.dir, 'lb')
  return { dir, config: join(dir, 'nginx.conf'), pid: join(dir, 'nginx.pid'), log: join(dir, 'error.log') }
}

/**
 * nginx in front of the first servers' port 80, like the LB of Kamal's integration suite. A backend that
 * refuses or does not connect within 1 s is skipped for the next one, and rested for 1 s; the
 * `X-Sandbox-Upstream` header says which server answered.
 */
export function lbConfig(l: Layout): string {
  const p = lbPaths(l)
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
    (t) => `  ${t}_temp_path ${join(p.dir, 'tmp', t)};`,
  )
  return `daemon on;
worker_processes 1;
pid ${p.pid};
error_log ${p.log} warn;
events { worker_connections 1024; }
http {
  access_log off;
${temp.join('\n')}
  upstream sandbox_servers {
${l.lbBackends.map((ip) => `    server ${ip}:80 max_fails=1 fail_timeout=1s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${l.lbPort};
    location / {
      proxy_pass http://sandbox_servers;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_connect_timeout 1s;
      proxy_send_timeout 10s;
      proxy_read_timeout 10s;
      proxy_next_upstream error timeout;
      proxy_next_upstream_timeout 3s;
      add_header X-Sandbox-Upstream $upstream_addr always;
    }
  }
}
`
}

/** Starts nginx, or reloads it when the backends changed, or leaves it be; then waits until it accepts. */
export async function ensureLb(l: Layout): Promise<'started' | 'reloaded' | 'running'> {
  const p = lbPaths(l)
  mkdirSync(join(p.dir, 'tmp'), { recursive: true })
  const config = lbConfig(l)
  let previous = ''
  try {
    previous = readFileSync(p.config, 'utf8')
  } catch {}
  const pid = livePid(p.pid, PROGRAM)
  writeFileSync(p.config, config)
  // -e: nginx opens its compiled-in error log before reading the config unless told otherwise.
  const base = ['/usr/sbin/nginx', '-e', p.log, '-p', p.dir, '-c', p.config]
  let outcome: 'started' | 'reloaded' | 'running' = 'running'
  if (pid === undefined) {
    await run([...base]).catch((error: Error) => {
      const inUse = /Address already in use/.test(error.message)
      throw inUse
        ? new RunError(
            `the load balancer's port 127.0.0.1:${l.lbPort} is taken by another program: pick another with SANDBOX_LB_PORT=<port>`,
            { cause: error },
          )
        : error
    })
    outcome = 'started'
  } else if (previous !== config) {
    await run([...base, '-s', 'reload'])
    outcome = 'reloaded'
  }
  await waitFor(`nginx on ${l.lbUrl} (log: ${p.log})`, () => lbAnswers(l), { timeoutMs: 10_000, intervalMs: 20 })
  return outcome
}

/** Stops nginx and removes its files. */
export async function stopLb(l: Layout): Promise<boolean> {
  const p = lbPaths(l)
  const stopped = await stopPid(p.pid, PROGRAM)
  rmSync(p.dir, { recursive: true, force: true })
  return stopped
}

/** True when nginx accepts a request on the LB port (any HTTP status: the backends may have nothing deployed). */
export function lbAnswers(l: Layout): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: l.lbPort, path: '/', timeout: 5000, headers: { connection: 'close' } },
      (res) => {
        res.resume()
        resolve(true)
      },
    )
    req.on('error', () => resolve(false))
    req.on('timeout', () => req.destroy())
    req.end()
  })
}
