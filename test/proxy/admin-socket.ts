import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { render, type Command } from '../../lib/shell/command.ts'

// Test support for the caddy admin socket: a stand-in admin API on a real unix socket (answering
// in this process, so commands run asynchronously), and a runner with a fake `docker` on PATH.

/** One request the stand-in admin API received. */
export interface AdminRequest {
  readonly method: string
  readonly url: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: string
}

/** An HTTP server on `<dir>/admin.sock` that records requests and answers `status` and `body`. */
export async function adminSocket(dir: string, answer: { status: number; body: string } = { status: 200, body: '' }) {
  const requests: AdminRequest[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body)
    })
  })
  await new Promise<void>((resolve) => server.listen(join(dir, 'admin.sock'), resolve))
  return { requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

/** A socket file nobody listens on (what a killed caddy leaves behind). */
export function staleSocket(dir: string): void {
  const script = "require('node:net').createServer().listen(process.argv[1], () => process.exit(0))"
  spawnSync(process.execPath, ['-e', script, join(dir, 'admin.sock')])
  if (!existsSync(join(dir, 'admin.sock'))) throw new Error('no stale socket')
}

/** A PATH directory with the tools the caddy scripts use, except curl. */
export function pathWithoutCurl(): string {
  const bin = mkdtempSync(join(tmpdir(), 'slipway-nocurl-'))
  for (const tool of [
    'sh',
    'cat',
    'mkdir',
    'mv',
    'rm',
    'flock',
    'awk',
    'wc',
    'date',
    'sleep',
    'tail',
    'nsenter',
    'printf',
  ]) {
    const found = ['/usr/bin', '/bin', '/usr/sbin'].map((d) => join(d, tool)).find((p) => existsSync(p))
    if (found) symlinkSync(found, join(bin, tool))
  }
  return bin
}

/** One run's outcome: exit code, output, and the argv of every docker call. */
export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly calls: string[][]
}

/** Runs `command` in sh with cwd `home`, a fake `docker` (logs its argv, then runs `body`) first on PATH. */
export function run(
  command: Command,
  body: string,
  { home, stdin = '', path }: { home: string; stdin?: string; path?: string },
): Promise<Run> {
  const bin = mkdtempSync(join(tmpdir(), 'slipway-bin-'))
  const log = join(bin, 'calls.log')
  writeFileSync(
    join(bin, 'docker'),
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\037' "$a"; done >> "${log}"\necho >> "${log}"\n${body}\n`,
  )
  chmodSync(join(bin, 'docker'), 0o755)
  mkdirSync(home, { recursive: true })
  const child = spawn('/bin/sh', ['-c', render(command, { redact: false })], {
    cwd: home,
    env: { PATH: `${bin}:${path ?? process.env.PATH ?? '/usr/bin:/bin'}`, HOME: home },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
  // A command that exits without reading its stdin closes the pipe: the write then fails with EPIPE,
  // which is the command's business, not an error of the test (it surfaced under load as an uncaught one).
  child.stdin.on('error', () => {})
  child.stdin.end(stdin)
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const calls = existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => l.split('\x1f').slice(0, -1))
        : []
      resolve({ code, stdout, stderr, calls })
    }),
  )
}
