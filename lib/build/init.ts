import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** What `scaffold` did to one file, in the order it went. */
export interface ScaffoldStep {
  /** Path relative to the project. */
  readonly file: string
  /** `kept`: it existed and was left as it was; `updated`: a line was added (.gitignore). */
  readonly action: 'created' | 'kept' | 'updated'
}

const TASKS = ['deploy', 'push', 'redeploy']

/**
 * Kamal's `init`, made for a plugin: `deploy.yml` (unless `config/deploy.yml` exists), `.env.example`,
 * `.env` in `.gitignore`, the sample hooks (in `.kamal/hooks` if it exists, else `hooks/`), and the
 * entry scripts the team owns: `tasks/deploy.ts`, `tasks/push.ts`, `tasks/redeploy.ts`.
 * Never overwrites a file: running it again keeps every one.
 */
export function scaffold({ cwd }: { readonly cwd: string }): ScaffoldStep[] {
  const templates = fileURLToPath(new URL('./templates/', import.meta.url))
  const steps: ScaffoldStep[] = []
  const place = (from: string, to: string): void => {
    const file = relative(cwd, to)
    if (existsSync(to)) return void steps.push({ file, action: 'kept' })
    mkdirSync(dirname(to), { recursive: true })
    copyFileSync(from, to)
    // copyFileSync keeps the mode on Linux but not under every umask; set it explicitly.
    chmodSync(to, statSync(from).mode & 0o777)
    steps.push({ file, action: 'created' })
  }
  if (existsSync(join(cwd, 'config/deploy.yml'))) steps.push({ file: 'config/deploy.yml', action: 'kept' })
  else place(join(templates, 'deploy.yml'), join(cwd, 'deploy.yml'))
  place(join(templates, 'env.example'), join(cwd, '.env.example'))
  steps.push(ignoreDotenv(cwd))
  const hooks = existsSync(join(cwd, '.kamal/hooks')) ? '.kamal/hooks' : 'hooks'
  const samples = join(packageRoot(), 'hooks')
  for (const sample of readdirSync(samples)
    .filter((f) => f.endsWith('.sample'))
    .sort())
    place(join(samples, sample), join(cwd, hooks, sample))
  for (const name of TASKS) place(join(templates, 'tasks', `${name}.ts.tmpl`), join(cwd, 'tasks', `${name}.ts`))
  return steps
}

// `.env` holds the secrets: it must never be committed. A repo without a .gitignore also gets
// node_modules/ in the new one: slipway itself is installed there, and a build clones what is committed.
function ignoreDotenv(cwd: string): ScaffoldStep {
  const file = join(cwd, '.gitignore')
  const text = existsSync(file) ? readFileSync(file, 'utf8') : undefined
  if (text?.split('\n').some((line) => /^\/?\.env$/.test(line.trim()))) return { file: '.gitignore', action: 'kept' }
  if (text === undefined) writeFileSync(file, '.env\nnode_modules/\n')
  else appendFileSync(file, `${text.endsWith('\n') || text === '' ? '' : '\n'}.env\n`)
  return { file: '.gitignore', action: text === undefined ? 'created' : 'updated' }
}

// The sample hooks sit at the package's root, for users to read there too: the nearest directory with a
// package.json, from lib/build/ in the checkout or dist/lib/build/ in the package.
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir)
  return dir
}
