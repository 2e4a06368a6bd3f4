import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'

const ROOT = join(import.meta.dirname, '..', '..')
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx')
const SCRIPT = join(ROOT, 'test', 'fixtures', 'relayed-script.ts')

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until<T>(find: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = find()
    if (found !== undefined) return found
    await sleep(50)
  }
  throw new Error(`${what} not seen within 10 s`)
}

describe('relayed: an entry script started by tsx', () => {
  // tsx's CLI waits 30 ms for its child to acknowledge a signal, counted from when its own copy
  // arrives, then sends the signal again, and SIGKILLs the child if that is not acknowledged in time
  // either. Here the relay's copy arrives first, so its first acknowledgement reaches tsx before tsx
  // listens: without a repeat, tsx would always signal again (a second SIGINT passed on below).
  test('a Ctrl-C that reaches the relay before tsx is passed on once, and tsx does not signal again', async () => {
    const run = await started()
    process.kill(run.relay, 'SIGINT')
    await sleep(10)
    run.tsx.kill('SIGINT')
    expect(await run.exited).toBe(130)
    expect(run.lines().filter((l) => l === 'SIGINT')).toHaveLength(1)
  })

  test("the script's own exit code comes through after a signal, while the acknowledgements repeat", async () => {
    const run = await started({ RELAY_EXIT_CODE: '3', RELAY_EXIT_MS: '0' })
    process.kill(run.relay, 'SIGINT')
    expect(await run.exited).toBe(3)
  })
})

/** tsx running the fixture, once the relay and the script below it are up. */
async function started(env: Record<string, string> = {}) {
  const log = join(mkdtempSync(join(tmpdir(), 'slipway-relay-')), 'signals.log')
  const tsx = spawn(TSX, [SCRIPT], { env: { ...process.env, ...env, RELAY_LOG: log }, stdio: 'ignore' })
  const exited = new Promise<number | null>((resolve) => tsx.once('exit', (code) => resolve(code)))
  const lines = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [])
  const relay = await until(
    () =>
      lines()
        .find((l) => l.startsWith('relay '))
        ?.split(' ')[1],
    'the relay',
  )
  await until(() => (lines().includes('ready') ? true : undefined), 'the script below it')
  return { tsx, relay: Number(relay), exited, lines }
}
