import { spawn } from 'node:child_process'

/** What a finished local process left behind. */
export interface Ran {
  readonly stdout: string
  readonly stderr: string
  readonly code: number | null
}

/** Options for one local process: stdin text, extra env, and whether a non-zero exit is an answer rather than an error. */
export interface RunOptions {
  readonly input?: string | Buffer
  readonly env?: Readonly<Record<string, string>>
  readonly allowFailure?: boolean
  readonly cwd?: string
}

/** A local command failed; the message names the program and its last stderr lines, never its stdin. */
export class RunError extends Error {
  override name = 'RunError'
}

/** Runs argv without a shell (nothing to quote), collecting output; rejects on a non-zero exit unless allowed. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<Ran> {
  const [program, ...args] = argv
  if (!program) throw new Error('run() needs a program')
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', (cause) => reject(new RunError(`cannot run ${program}: ${cause.message}`, { cause })))
    child.on('close', (code) => {
      if (code !== 0 && !options.allowFailure) {
        const tail = (stderr.trim() || stdout.trim()).split('\n').slice(-15).join('\n')
        reject(
          new RunError(`\`${argv.slice(0, 4).join(' ')}${argv.length > 4 ? ' …' : ''}\` exited with ${code}:\n${tail}`),
        )
      } else resolve({ stdout, stderr, code })
    })
    child.stdin.on('error', () => {}) // a program that exits without reading stdin must not crash us with EPIPE
    child.stdin.end(options.input)
  })
}

/** The host's docker client matching the 20.10 daemon (Debian's), with the legacy builder: there is no buildx here. */
export const DOCKER = '/usr/bin/docker'

/** `docker …` on the host's engine. */
export const docker = (args: readonly string[], options: RunOptions = {}): Promise<Ran> =>
  run([DOCKER, ...args], { ...options, env: { DOCKER_BUILDKIT: '0', ...options.env } })

/** Polls `probe` until it returns true, every `intervalMs`, or throws after `timeoutMs` with `what` in the message. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 50 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await probe().catch(() => false)) return
    if (Date.now() > deadline) throw new RunError(`timed out after ${timeoutMs / 1000}s waiting for ${what}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}
