import { spawnSync } from 'node:child_process'
import { expect, test } from 'vitest'
import { PROGRAM_DIR } from '../../lib/commands/program.ts'
import { installHint } from '../../sandbox/prereqs.ts'
import { includeFiles, programFiles } from './programs.ts'

// Every remote program and include passes `shellcheck -s sh` (POSIX sh, the grammar `sh -c` runs them
// in), following the includes as the loader inlines them.
test('shellcheck -s sh passes on every file in lib/commands/sh', { timeout: 60_000 }, () => {
  const files = [...programFiles(), ...includeFiles()]
  const run = spawnSync('shellcheck', ['-s', 'sh', '-x', '-P', 'SCRIPTDIR', '-f', 'gcc', ...files], {
    cwd: PROGRAM_DIR,
    encoding: 'utf8',
  })
  if (run.error) {
    throw new Error(
      `shellcheck is not installed (${run.error.message}). Run \`npm run sandbox:up\`, which installs it with ` +
        `the other prerequisites, or: ${installHint(['shellcheck'])}`,
    )
  }
  expect(files.length).toBeGreaterThan(20)
  expect(run.stdout + run.stderr).toBe('')
  expect(run.status).toBe(0)
})
