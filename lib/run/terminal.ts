import { stripVTControlCharacters } from 'node:util'
import { scrub } from '../exec/output.ts'
import type { Secret } from '../shell/command.ts'
import {
  figures,
  ListrDefaultRendererLogLevels,
  ListrLogger,
  PRESET_TIMER,
  PRESET_TIMESTAMP,
  ProcessOutput,
} from 'listr2'

/** The listr2 renderers slipway uses: the tree on a terminal, timestamped lines elsewhere. */
export type RendererName = 'default' | 'simple' | 'verbose' | 'silent' | 'test'

/** What decides how a run's progress is shown. */
export interface TerminalOptions {
  readonly dryRun: boolean
  readonly quiet: boolean
  readonly verbose: boolean
  /** A renderer chosen by the caller (tests, the benchmark), over the flags. */
  readonly renderer?: RendererName | undefined
  /** Where progress goes. @default process.stderr */
  readonly stream?: NodeJS.WriteStream | undefined
  readonly env: NodeJS.ProcessEnv
  /** Values never to show, whatever a task or a remote program printed: scrubbed from every line. */
  readonly secrets?: readonly Secret[] | undefined
}

/**
 * The listr2 options that draw a run: on a terminal, one tree whose finished steps collapse to a
 * line with their duration, with the current action of each running host under it, wrapped to the
 * terminal's width; elsewhere (CI, pipes, a dumb terminal) one timestamped line per event, without
 * colours. Progress goes to stderr, so stdout carries only what commands report.
 */
export function listrOutput({
  dryRun,
  quiet,
  verbose,
  renderer,
  stream = process.stderr,
  env,
  secrets = [],
}: TerminalOptions) {
  const tty = isTerminal(stream, env)
  // Colours are decided by listr2 when it is loaded (on stdout's terminal and NO_COLOR); a log that
  // goes to a file or a pipe gets none, whatever stdout is.
  const plain = !tty && !('FORCE_COLOR' in env)
  // Frames and lines go through a filter; the stream itself is handed over too, so that listr2
  // holds back stray writes to it while it draws, and prints them after the tree.
  const processOutput = new ProcessOutput(
    filtered(stream, (text) => scrub(plain ? stripVTControlCharacters(text) : text, secrets)),
    stream,
  )
  // The timestamp lives in the logger itself: listr2 adds a renderer's `timestamp` option to the
  // logger it is given once per (sub)renderer, so a shared logger would repeat it per level.
  const lineLogger = new ListrLogger({ processOutput, fields: { prefix: [PRESET_TIMESTAMP] } })
  const lines = { logTitleChange: true, logger: lineLogger }
  const common = {
    // listr2 looks at stdout to pick its fallback; progress is drawn on stderr, so stderr decides.
    fallbackRendererCondition: !tty,
    fallbackRenderer: 'verbose' as const,
    fallbackRendererOptions: lines,
  }
  const chosen = renderer ?? (dryRun || quiet ? 'silent' : verbose ? 'verbose' : 'default')
  if (chosen === 'verbose') return { ...common, renderer: chosen, rendererOptions: lines }
  // Silent stays silent off a terminal too (the fallback would print every line).
  if (chosen === 'silent') return { ...common, renderer: chosen, fallbackRendererCondition: false }
  if (chosen !== 'default') return { ...common, renderer: chosen }
  const tree = new ListrLogger({ processOutput })
  return {
    ...common,
    renderer: chosen,
    rendererOptions: {
      collapseSubtasks: true,
      collapseErrors: false,
      showErrorMessage: true,
      formatOutput: 'wrap' as const,
      timer: PRESET_TIMER,
      // listr2 marks a step whose subtasks failed with its "running" pointer (in red): without
      // colours that reads as still running, so it gets the cross of a failed step.
      icon: { [ListrDefaultRendererLogLevels.FAILED_WITH_FAILED_SUBTASKS]: figures.cross },
      logger: tree,
    },
  }
}

/** Whether `stream` shows the tree (a terminal that can move its cursor). */
const isTerminal = (stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean =>
  stream.isTTY === true && env['TERM'] !== 'dumb'

// What listr2 needs of a stream (write, and the size the frames are drawn to), writing `edit(text)`
// to `stream`, synchronously, so that lines keep their order with everything else written to it.
function filtered(stream: NodeJS.WriteStream, edit: (text: string) => string): NodeJS.WriteStream {
  // Bound now: while listr2 draws, it replaces `stream.write` to hold back stray writes.
  const write = stream.write.bind(stream) as (text: string, ...rest: unknown[]) => boolean
  const through = {
    write: (chunk: Buffer | string, ...rest: unknown[]) => write(edit(chunk.toString()), ...rest),
    isTTY: stream.isTTY,
    columns: stream.columns,
    rows: stream.rows,
  }
  return through as unknown as NodeJS.WriteStream
}
