/** How many of a failed build's last output lines its error quotes. */
export const TAIL_LINES = 20

/** What a build's output says, gathered line by line as it streams. */
export interface BuildLog {
  push(line: string): void
  /** The last TAIL_LINES lines. */
  tail(): string[]
  /**
   * The step the build failed at: BuildKit's ` > [3/4] RUN make:` summary, else the legacy
   * builder's last `Step 3/4 : RUN make`, else a Dockerfile parse error; undefined when the output
   * names none (its tail then says what happened).
   */
  failingStep(): string | undefined
}

/** A BuildLog that keeps only the tail and the step lines, however long the build talks. */
export function buildLog(): BuildLog {
  const kept: string[] = []
  let summary: string | undefined
  let legacyStep: string | undefined
  let parseError: string | undefined
  return {
    push(line) {
      kept.push(line)
      if (kept.length > TAIL_LINES) kept.shift()
      const buildkit = /^ > (\[[^\]]+\] .*):$/.exec(line)
      if (buildkit) summary = buildkit[1]
      const legacy = /^Step (\d+\/\d+ : .*)$/.exec(line)
      if (legacy) legacyStep = `step ${legacy[1]}`
      const parse = /(dockerfile parse error.*)$/i.exec(line)
      if (parse) parseError ??= parse[1]
    },
    tail: () => [...kept],
    failingStep: () => summary ?? legacyStep ?? parseError,
  }
}
