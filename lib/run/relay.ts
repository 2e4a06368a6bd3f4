import { spawn } from 'node:child_process'
import { constants } from 'node:os'

// tsx's CLI loads its preflight into the process it starts: that process is the one its relay may kill.
const PREFLIGHT = /[\\/]tsx[\\/]dist[\\/]preflight\.c?js$/

/** When a signal is acknowledged to tsx again after it arrived, in milliseconds (tsx waits 30 ms at a time). */
const ACK_REPEATS_MS = [5, 15, 25, 40, 60, 85]

/** Whether this process was started by tsx's CLI (`npx tsx tasks/deploy.ts`, `npm run deploy`). */
export const startedByTsxCli = (execArgv: readonly string[] = process.execArgv): boolean =>
  execArgv.some((arg) => PREFLIGHT.test(arg))

/**
 * Runs this same script in a child process and resolves with its exit code, when this process was
 * started by tsx's CLI; undefined otherwise (the caller then does the work itself).
 *
 * tsx's CLI relays SIGINT and SIGTERM to the process it started and SIGKILLs it when that process
 * does not acknowledge within two windows of 30 ms: a busy deploy on a loaded machine misses that,
 * and would die without cleaning up (lock held, new containers left starting). So the deploy runs one process
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
  // tsx's preflight acknowledges a signal to tsx from a listener of its own here, but tsx only
  // listens for 30 ms from when its own copy of the signal arrives: an acknowledgement sent before
  // that is lost, so tsx signals again and SIGKILLs this process if the next one is late (a loaded
  // machine). Telling it again over the next 100 ms lands one in the window tsx opens; the
  // repeats are not passed on. They stop when the child has exited: with this listener gone,
  // tsx's would exit 128+signal.
  let repeating = false
  const repeats = new Set<NodeJS.Timeout>()
  const acknowledge = (name: NodeJS.Signals): void => {
    for (const ms of ACK_REPEATS_MS) {
      const timer = setTimeout(() => {
        repeats.delete(timer)
        repeating = true
        try {
          process.emit(name, name)
        } finally {
          repeating = false
        }
      }, ms).unref()
      repeats.add(timer)
    }
  }
  const pass = (name: NodeJS.Signals): void => {
    if (repeating) return
    child.kill(name)
    acknowledge(name)
  }
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const name of signals) process.on(name, pass)
  return new Promise((resolve) => {
    child.once('error', (error) => {
      process.stderr.write(`error: cannot start ${process.argv[1]}: ${error.message}\n`)
      resolve(1)
    })
    child.once('exit', (code, signal) => {
      for (const timer of repeats) clearTimeout(timer)
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
