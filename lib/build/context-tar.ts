import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { lstat, readdir, readFile, readlink } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
// Docker's own .dockerignore rules (`*` is one level, `!` re-includes inside an excluded dir), ported from moby.
import dockerignore from '@balena/dockerignore'
import { pack as tarPack, type Header, type Pack } from 'tar-stream'
import { BuildError } from '../errors.ts'

/** A build context ready to stream to `docker build -`. */
export interface ContextTar {
  /** The archive; files are read as it is consumed. */
  readonly stream: Readable
  /** The Dockerfile's path inside the archive, for `docker build --file <it> -`. */
  readonly dockerfile: string
  readonly files: number
  readonly bytes: number
}

interface Item {
  readonly name: string
  readonly path: string
  readonly kind: 'file' | 'directory' | 'symlink'
  readonly mode: number
  readonly mtime: Date
  readonly size: number
}

/**
 * The build context as the docker CLI sends it: everything under `contextDir` that its .dockerignore
 * does not exclude, owned by root, in a stable order. The Dockerfile and .dockerignore always go in
 * (the engine needs them; ignoring them only keeps them out of `COPY`), and a Dockerfile outside the
 * context is added under `.dockerfile.<hash>`, as the docker CLI does. Both paths are absolute.
 */
export async function contextTar({
  contextDir,
  dockerfile,
}: {
  contextDir: string
  dockerfile: string
}): Promise<ContextTar> {
  const ignoreFile = await readFile(join(contextDir, '.dockerignore'), 'utf8').catch(() => '')
  const patterns = ignoreFile.split('\n').map((l) => l.trim())
  // The package is CommonJS with a `default` alias on its export, which both Node and TypeScript agree on.
  const rules = dockerignore.default().add(patterns.filter((p) => p && !p.startsWith('#')))
  // Without `!` exceptions an excluded directory is skipped whole (node_modules is never walked).
  const reincludes = patterns.some((p) => p.startsWith('!'))
  const items: Item[] = []
  await walk(contextDir, '', items, { ignores: (name) => rules.ignores(name), reincludes }).catch((cause: Error) => {
    throw new BuildError(`cannot read the build context ${contextDir}: ${cause.message}`, { cause })
  })

  const inside = relative(contextDir, resolve(dockerfile))
  const outside = inside.startsWith('..') || isAbsolute(inside)
  const extra: { name: string; content: Buffer }[] = []
  let dockerfileName = inside.split(sep).join('/')
  for (const name of outside ? ['.dockerignore'] : ['.dockerignore', dockerfileName]) {
    if (!items.some((i) => i.name === name)) await add(contextDir, name, items)
  }
  if (outside) {
    const content = await readFile(dockerfile).catch((cause: Error) => {
      throw new BuildError(`cannot read ${dockerfile}: ${cause.message}`, { cause })
    })
    dockerfileName = `.dockerfile.${createHash('sha256').update(content).digest('hex').slice(0, 20)}`
    extra.push({ name: dockerfileName, content })
  }
  items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const files = items.filter((i) => i.kind === 'file')
  return {
    stream: Readable.from(pack(items, extra)),
    dockerfile: dockerfileName,
    files: files.length + extra.length,
    bytes: files.reduce((n, i) => n + i.size, 0) + extra.reduce((n, e) => n + e.content.length, 0),
  }
}

interface Rules {
  ignores(name: string): boolean
  /** Whether any `!` pattern exists: then an excluded directory is descended into, since it may re-include files. */
  readonly reincludes: boolean
}

async function walk(root: string, dir: string, into: Item[], rules: Rules): Promise<void> {
  for (const entry of await readdir(join(root, dir))) {
    const name = dir ? `${dir}/${entry}` : entry
    const item = await itemAt(root, name)
    if (!item) continue
    const ignored = rules.ignores(name)
    if (!ignored) into.push(item)
    if (item.kind === 'directory' && (!ignored || rules.reincludes)) await walk(root, name, into, rules)
  }
}

/** Adds one path (no descent), whatever the rules say; a missing one is left out. */
async function add(root: string, name: string, into: Item[]): Promise<void> {
  const item = await itemAt(root, name)
  if (item && item.kind !== 'directory') into.push(item)
}

async function itemAt(root: string, name: string): Promise<Item | undefined> {
  const path = join(root, name)
  const st = await lstat(path).catch(() => undefined)
  const kind = st?.isDirectory() ? 'directory' : st?.isSymbolicLink() ? 'symlink' : st?.isFile() ? 'file' : undefined
  // Sockets, fifos and devices are not build context (docker skips them too).
  if (!st || !kind) return undefined
  return { name, path, kind, mode: st.mode & 0o7777, mtime: st.mtime, size: st.size }
}

async function* pack(items: readonly Item[], extra: readonly { name: string; content: Buffer }[]) {
  const out = tarPack()
  const writing = (async () => {
    for (const item of items) {
      const header = { name: item.name, mode: item.mode, mtime: item.mtime, uid: 0, gid: 0 }
      if (item.kind === 'directory') await entry(out, { ...header, name: `${item.name}/`, type: 'directory' })
      else if (item.kind === 'symlink')
        await entry(out, { ...header, type: 'symlink', linkname: await readlink(item.path) })
      else await fileEntry(out, { ...header, type: 'file', size: item.size }, item.path)
    }
    for (const { name, content } of extra) await entry(out, { name, mode: 0o644, uid: 0, gid: 0 }, content)
    out.finalize()
  })()
  writing.catch((error: Error) => out.destroy(error))
  yield* out
  await writing
}

const entry = (out: Pack, header: Partial<Header> & Pick<Header, 'name'>, content?: Buffer): Promise<void> =>
  new Promise((done, fail) => out.entry(header, content ?? Buffer.alloc(0), (e) => (e ? fail(e) : done())))

function fileEntry(out: Pack, header: Partial<Header> & Pick<Header, 'name'>, path: string): Promise<void> {
  return new Promise((done, fail) => {
    const sink = out.entry(header, (e) => (e ? fail(e) : done()))
    const source = createReadStream(path)
    source.on('error', (e) => (sink.destroy(e), fail(e)))
    source.on('data', (chunk) => {
      if (!sink.write(chunk)) source.pause()
    })
    sink.on('drain', () => source.resume())
    // streamx's end() takes an optional last chunk that its types call required.
    source.on('end', () => sink.end(undefined))
  })
}
