import { join } from 'node:path'
import { SLIPWAY } from './app-repo.ts'
import { launch, type Finished, type Launched } from './faults.ts'

// `logs -f` as a user runs it: started, watched until it follows every log it should, fed lines
// from the servers, then stopped with Ctrl-C.

/** A running `logs -f`. */
export interface Following {
  readonly run: Launched
  /** Resolves once the output matches `re`; fails with the output so far after 60 s. */
  seen(re: RegExp): Promise<void>
  /** The lines printed so far that came from a followed log (`<label> | <line>`). */
  readonly lines: () => string[]
  /** Ctrl-C, then how it ended. */
  stop(): Promise<Finished>
}

/** Starts `tasks/<script>.ts <args>` in the app and waits until it says it follows `count` logs. */
export async function follow(
  script: string,
  args: readonly string[],
  { cwd, env, count }: { cwd: string; env: Record<string, string>; count: number },
): Promise<Following> {
  const run = launch([join(SLIPWAY, 'node_modules/.bin/tsx'), join(SLIPWAY, `tasks/${script}.ts`), ...args], {
    cwd,
    env,
  })
  const seen = async (re: RegExp): Promise<void> => {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not seen within 60 s: ${re}\n${run.output()}`)), 60_000)
    })
    try {
      await Promise.race([run.until(re), late])
    } finally {
      clearTimeout(timer)
    }
  }
  try {
    await seen(new RegExp(`following ${count} logs? \\(Ctrl-C to stop\\)`))
  } catch (error) {
    run.child.kill('SIGINT')
    throw error
  }
  return {
    run,
    seen,
    lines: () =>
      run
        .output()
        .split('\n')
        .filter((l) => / \| /.test(l)),
    stop: () => {
      run.child.kill('SIGINT')
      return run.done
    },
  }
}
