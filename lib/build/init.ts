import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const TEMPLATES = fileURLToPath(new URL('./templates/', import.meta.url))
const SAMPLE_HOOKS = fileURLToPath(new URL('../../hooks/', import.meta.url))

/** Options of `scaffold`. */
export interface ScaffoldOptions {
  /** The project directory to set up. */
  readonly cwd: string
  /**
   * Where the sample hooks go, relative to `cwd`.
   * @default 'hooks' (used when deploy.yml sets no hooks_path and .kamal/hooks does not exist)
   */
  readonly hooksDir?: string
}

/** What `scaffold` did, as paths relative to `cwd`. */
export interface ScaffoldResult {
  readonly created: readonly string[]
  /** Files that already existed and were left as they were. */
  readonly kept: readonly string[]
}

/**
 * Kamal's `init`: writes `deploy.yml` and `.env.example` from templates and copies the sample
 * hooks (`*.sample`, exec bit kept) into the hooks dir. Never overwrites an existing file.
 */
export function scaffold({ cwd, hooksDir = 'hooks' }: ScaffoldOptions): ScaffoldResult {
  const created: string[] = []
  const kept: string[] = []
  const place = (from: string, to: string): void => {
    const rel = relative(cwd, to)
    if (existsSync(to)) {
      kept.push(rel)
      return
    }
    copyFileSync(from, to)
    // copyFileSync keeps the mode on Linux but not under every umask; set it explicitly.
    chmodSync(to, statSync(from).mode & 0o777)
    created.push(rel)
  }
  place(join(TEMPLATES, 'deploy.yml'), join(cwd, 'deploy.yml'))
  place(join(TEMPLATES, 'env.example'), join(cwd, '.env.example'))
  const hooks = join(cwd, hooksDir)
  mkdirSync(hooks, { recursive: true })
  for (const sample of readdirSync(SAMPLE_HOOKS)
    .filter((f) => f.endsWith('.sample'))
    .sort()) {
    place(join(SAMPLE_HOOKS, sample), join(hooks, sample))
  }
  return { created, kept }
}
