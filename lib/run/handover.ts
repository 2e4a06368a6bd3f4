import type { TerminalIo } from '../exec/executor.ts'

// Some runs end by holding the terminal: `exec -i` lends it to a remote program, `logs -f` streams
// into it until Ctrl-C. Neither may run inside the task tree (its renderer owns the terminal while it
// draws), so the tree only works out what to do (hosts, containers, commands) and leaves a Handover in
// ctx.found; main() runs it once the tree has finished drawing, before the connections close.

/** What a handover gets from main(). */
export interface HandoverIo {
  /** Text for stdout (what users pipe), scrubbed of secrets. */
  readonly out: (text: string) => void
  /** One progress or warning line on stderr. */
  readonly write: (line: string) => void
  /** Aborted by Ctrl-C (outside raw mode) and SIGTERM. */
  readonly signal: AbortSignal
  /** Ctrl-C is how this handover ends: no "Cancelling" line, and the run's exit code is the handover's. */
  readonly expectInterrupt: () => void
  /** Lends the local terminal in raw mode to `use`, and restores it however `use` ends. */
  readonly withTerminal: <T>(use: (terminal: TerminalIo) => Promise<T>) => Promise<T>
}

/** The last act of a run; resolves with the run's exit code. */
export type Handover = (io: HandoverIo) => Promise<number>
