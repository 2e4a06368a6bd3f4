// `npm run build` (and `prepare`, so `npm pack` and git installs get it): dist/ holds tsc's JavaScript
// and type declarations, plus every file that is not TypeScript and sits beside the code (templates,
// shell programs), at the same relative path, so code finds them next to itself in both layouts.
import { execFileSync } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'

rmSync('dist', { recursive: true, force: true })
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
for (const dir of ['lib', 'cli', 'tasks/steps']) {
  cpSync(dir, `dist/${dir}`, { recursive: true, filter: (path) => !path.endsWith('.ts') })
}
