import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { PROGRAM_DIR } from '../../lib/commands/program.ts'

/** The program files in lib/commands/sh (not the includes), as the package ships them. */
export const programFiles = (): string[] =>
  readdirSync(PROGRAM_DIR)
    .filter((f) => f.endsWith('.sh'))
    .sort()

/** The include files, as `include/<name>.sh`. */
export const includeFiles = (): string[] =>
  readdirSync(join(PROGRAM_DIR, 'include'))
    .filter((f) => f.endsWith('.sh'))
    .map((f) => `include/${f}`)
