import { cmd, type Command } from '../shell/command.ts'

/**
 * Runs one hook executable by its absolute path (so PATH is never searched). The hook's variables
 * travel as the child's environment (`RunOptions.env`), not in argv, so the command stays one word.
 */
export const run = (path: string): Command => cmd(path)
