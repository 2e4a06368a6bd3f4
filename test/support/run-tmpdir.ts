import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Gives the test run a temp directory of its own and removes it when the run ends: tests make
 * throwaway homes, repos and fake `docker` binaries with `mkdtempSync(tmpdir())`, and a developer
 * running the suite all day should not find tens of thousands of them left in /tmp. Workers (and
 * the tools they spawn) inherit TMPDIR from this process.
 */
export function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-test-run-'))
  const before = process.env.TMPDIR
  process.env.TMPDIR = dir
  return () => {
    if (before === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = before
    rmSync(dir, { recursive: true, force: true })
  }
}
