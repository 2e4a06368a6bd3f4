import { setMaxListeners } from 'node:events'
import { readFileSync } from 'node:fs'
import { constants } from 'node:os'
import { endedLauncher, launchersAbove } from './launchers.ts'

/** Signals closer together than this are one Ctrl-C, passed on by the processes above this one. */
export const REPEAT_MS = 1000

/** How often the processes that started this run are checked. */
const WATCH_MS = 250

/** The run's cancellation: one AbortSignal, aborted by Ctrl-C, SIGTERM, SIGHUP or a launcher's end. */
export interface Cancellation {
  readonly signal: AbortSignal
  /** Lines to print when a second Ctrl-C quits at once (what is left behind, and how to clean it up). */
  onQuit: (() => readonly string[]) | undefined
  /** From now on Ctrl-C is the expected end (a followed log): it aborts the signal without a word. */
  readonly expectInterrupt: () => void
  dispose(): void
}

/** Options of {@link cancellation}; the defaults are what an entry script wants. */
export interface CancellationOptions {
  /** Watch npm/npx/tsx/`sh -c` above this process and cancel when one of them ends. @default true */
  readonly watchLaunchers?: boolean
  /** What quitting at once does. @default exit 130 with the terminal's cursor restored */
  readonly quit?: (lines: readonly string[]) => void
}

/**
 * Ctrl-C, SIGTERM (what CI runners, `timeout` and `kill` send) and SIGHUP (the terminal closed)
 * all cancel the run the same way: no new work starts and running hosts clean up. The same signal
 * again later quits at once. npm and npx do not pass a SIGTERM on to the script they started: they
 * end and leave it running. So the processes that started this one are watched too, and their end
 * cancels the run as a SIGTERM would.
 */
export function cancellation(
  write: (line: string) => void,
  { watchLaunchers = true, quit = quitNow }: CancellationOptions = {},
): Cancellation {
  const controller = new AbortController()
  // Every command in flight listens to the run's one signal; a 10-host deploy has more than Node's default 10.
  setMaxListeners(0, controller.signal)
  let cancelledAt = 0
  let expected = false
  const cancel = (why: string): void => {
    cancelledAt = Date.now()
    if (!expected)
      write(`Cancelling${why}: no new work starts; running hosts clean up (press Ctrl-C again to quit at once)`)
    controller.abort()
  }
  const onSignal = (name: NodeJS.Signals): void => {
    if (!controller.signal.aborted) return cancel(name === 'SIGINT' ? '' : ` (${name})`)
    // One Ctrl-C often arrives several times: the terminal signals the whole foreground process
    // group, and npm, npx and tsx each pass it on to their child as well.
    if (Date.now() - cancelledAt >= REPEAT_MS) quit(self.onQuit?.() ?? [])
  }
  // nohup's SIGHUP stays ignored: whoever started the run asked it to outlive the terminal.
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', ...(ignoredAtStart('SIGHUP') ? [] : ['SIGHUP' as const])]
  for (const name of signals) process.on(name, onSignal)
  const chain = watchLaunchers ? launchersAbove() : []
  const timer =
    chain.length === 0
      ? undefined
      : setInterval(() => {
          const gone = endedLauncher(chain)
          if (!gone) return
          clearInterval(timer)
          // Never a second Ctrl-C: npm ends at once on the same Ctrl-C that is cancelling this run.
          if (!controller.signal.aborted) cancel(` (${gone.name.split(' ')[0]}, pid ${gone.pid}, has ended)`)
        }, WATCH_MS).unref()
  const self: Cancellation = {
    signal: controller.signal,
    onQuit: undefined,
    expectInterrupt: () => void (expected = true),
    dispose: () => {
      clearInterval(timer)
      for (const name of signals) process.off(name, onSignal)
    },
  }
  return self
}

// The second Ctrl-C: leave at once, but say what is left behind, with the terminal's cursor (hidden while the tree is drawn) back.
function quitNow(lines: readonly string[]): never {
  if (process.stderr.isTTY) process.stderr.write('\n\x1b[?25h')
  for (const line of lines) process.stderr.write(`${line}\n`)
  process.exit(130)
}

/** Whether `name` was ignored when this process started (`nohup`, `trap '' HUP`); false where /proc is missing. */
export function ignoredAtStart(name: NodeJS.Signals): boolean {
  try {
    const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    return mask !== undefined && (BigInt(`0x${mask}`) >> BigInt(constants.signals[name] - 1)) % 2n === 1n
  } catch {
    return false
  }
}
