import { createInterface } from 'node:readline/promises'
import { DeployError } from '../errors.ts'

/** Where a question is asked: a terminal's input, and stderr for the question (stdout stays for reports). */
export interface Asker {
  readonly input: NodeJS.ReadableStream & { isTTY?: boolean }
  readonly output: NodeJS.WritableStream
}

/**
 * Asks `question [y/N]` (Kamal's `confirming`); true only for y/yes. Without a terminal to ask on it
 * refuses, so a script never deletes anything without -y.
 */
export async function confirm(question: string, { input, output }: Asker): Promise<boolean> {
  if (!input.isTTY)
    throw new DeployError(`${question} Not asking without a terminal: run it again with -y (--confirmed)`)
  const rl = createInterface({ input, output })
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim())
  } finally {
    rl.close()
  }
}
