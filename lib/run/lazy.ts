/**
 * Loads a module lazily, as `import()` does, in the same copy of this package as the caller.
 *
 * tsx runs a `.ts` entry script of a CommonJS app (a package.json without `"type": "module"`, as a
 * Rails app's or one `npm init` made) as CommonJS, and compiles this package to CommonJS along with
 * it. There `import()` would load a second, ES module copy of what it names, whose classes are not
 * the first copy's: a CommandError thrown by one copy is no CommandError to the other, and a failed
 * remote command would end in a stack trace instead of its message. Such a copy is the compiled
 * package's `.js` files run with `require` (the sources never run as CommonJS; under vitest they
 * have a `require` too, but are `.ts`).
 *
 * `esm` is the `import()`; `cjs` the same module through `require`, its specifier as written in the
 * compiled package (`./exec/ssh.js`).
 */
export const lazily = <T>(esm: () => Promise<T>, cjs: () => unknown): Promise<T> =>
  compiledToCommonJs() ? Promise.resolve(cjs() as T) : esm()

const compiledToCommonJs = (): boolean =>
  typeof require === 'function' && typeof __filename === 'string' && __filename.endsWith('.js')
