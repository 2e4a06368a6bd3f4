// `npm run build` (and `prepare`, so `npm pack` and git installs get it): dist/ holds tsc's JavaScript
// and type declarations (the library: `import … from 'slipway'`), plus every file that is not
// TypeScript and sits beside the code (templates, shell programs), at the same relative path, so code
// finds them next to itself in both layouts. The `slipway` command is then bundled into one file,
// dist/slipway.cjs: loading ~400 small modules (slipway's own, zod's, yaml's) cost most of its start-up.
import { execFileSync } from 'node:child_process'
import { cpSync, readFileSync, rmSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { build } from 'esbuild'

rmSync('dist', { recursive: true, force: true })
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' })
for (const dir of ['lib', 'cli', 'tasks/steps']) {
  cpSync(dir, `dist/${dir}`, { recursive: true, filter: (path) => !path.endsWith('.ts') })
}

// In the bundle, `import.meta.url` of one of slipway's modules still names that module's place in
// dist/, so `new URL('./sh/', import.meta.url)` finds the files copied beside it above.
const dist = resolve('dist')
const ownUrls = {
  name: 'own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(`${dist}/`)) return undefined
      const path = relative(dist, args.path)
      const url = `require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(path)})).href`
      return { contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', url), loader: 'js' }
    })
  },
}

// CommonJS, so that bin/slipway.js can load it with V8's code cache (lib/cli/load-bundle.ts). ssh2 stays
// a package of its own: it loads a native addon by a path relative to its files, and only remote commands need it.
await build({
  entryPoints: ['dist/cli/slipway.js'],
  outfile: 'dist/slipway.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['ssh2'],
  plugins: [ownUrls],
  logLevel: 'warning',
})
// The command runs from the bundle only: the compiled cli/ modules would be a second, unused copy.
rmSync('dist/cli', { recursive: true, force: true })
