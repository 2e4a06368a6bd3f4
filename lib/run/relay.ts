import { spawn } from 'node:child_process'
import { constants } from 'node:os'

// tsx's CLI loads its preflight into the process it starts: that process is the one its relay may kill.
const PREFLIGHT = /[\\/]tsx[\\/]dist[\\/]preflight\.c?js$/

/** Whether this process was started by tsx's CLI (`npx tsx tasks/deploy.ts`, `npm run deploy`). */
export const startedByTsxCli = (execArgv: readonly string[] = process.execArgv): boolean =>
  execArgv.some((arg) => PREFLIGHT.test(arg))

/**
 * Runs this same script in a child process and resolves with its exit code, when this process was
 * started by tsx's CLI; undefined otherwise (the caller then does the work itself).
 *
 * tsx's CLI relays SIGINT and SIGTERM to the process it started and SIGKILLs it when that process
 * does not acknowledge within about 60 ms: a busy deploy on a loaded machine misses that, and would
 * die without cleaning up (lock held, new containers left starting). So the deploy runs one process
 * further down: this one only passes signals on, acknowledges them at once (it has nothing else to
 * do), and exits with the deploy's code. If tsx kills it anyway, the deploy sees its launcher end and
 * cancels as for a SIGTERM (signals.ts).
 */
export function relayed(): Promise<number> | undefined {
  if (!startedByTsxCli() || process.env['SLIPWAY_RELAYED'] === '1') return undefined
  const execArgv = dropPreflight(process.execArgv)
  const child = spawn(process.execPath, [...execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, SLIPWAY_RELAYED: '1' },
  })
  const pass = (name: NodeJS.Signals): void => void child.kill(name)
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const name of signals) process.on(name, pass)
  return new Promise((resolve) => {
    child.once('error', (error) => {
      process.stderr.write(`error: cannot start ${process.argv[1]}: ${error.message}\n`)
      resolve(1)
    })
    child.once('exit', (code, signal) => {
      for (const name of signals) process.off(name, pass)
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0))
    })
  })
}

/** `--require <preflight>` (or `--require=<preflight>`) removed; the loader (`--import`) stays. */
function dropPreflight(execArgv: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!
    if (PREFLIGHT.test(arg)) {
      if (out.at(-1) === '--require' || out.at(-1) === '-r') out.pop()
      continue
    }
    out.push(arg)
  }
  return out
}
