import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { buffer } from 'node:stream/consumers'
import { afterAll, describe, expect, test } from 'vitest'
import { contextTar } from '../../lib/build/context-tar.ts'

const made: string[] = []
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })))

function tree(files: Record<string, string>): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'slipway-ctx-')))
  made.push(dir)
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true })
    writeFileSync(join(dir, name), content)
  }
  return dir
}

/** `mode owner name[ -> target]` per entry, as GNU tar lists the archive. */
async function listing(stream: NodeJS.ReadableStream): Promise<string[]> {
  const archive = await buffer(stream)
  return execFileSync('tar', ['--numeric-owner', '-tvf', '-'], { input: archive, encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => {
      const [mode, owner, , , , ...rest] = line.split(/\s+/)
      return `${mode} ${owner} ${rest.join(' ')}`
    })
}

describe('contextTar', () => {
  test('honours .dockerignore as docker does: `*` one level, re-includes inside excluded dirs, comments', async () => {
    const dir = tree({
      Dockerfile: 'FROM scratch\n',
      '.dockerignore': '# build junk\n*.log\nnode_modules\nsecret\n!keep.log\ndocs/*\n!docs/README.md\n',
      'app.txt': 'app\n',
      'a.log': 'x',
      'keep.log': 'kept',
      'node_modules/x/y.js': 'y',
      'secret/s.txt': 's',
      'docs/a.md': 'a',
      'docs/README.md': 'readme',
      'src/deep/a.log': 'nested logs are not matched by *.log',
      'bin/run.sh': '#!/bin/sh\n',
    })
    chmodSync(join(dir, 'bin/run.sh'), 0o755)
    symlinkSync('app.txt', join(dir, 'link'))
    const ctx = await contextTar({ contextDir: dir, dockerfile: join(dir, 'Dockerfile') })
    expect(ctx.dockerfile).toBe('Dockerfile')
    expect(await listing(ctx.stream)).toEqual([
      '-rw-r--r-- 0/0 .dockerignore',
      '-rw-r--r-- 0/0 Dockerfile',
      '-rw-r--r-- 0/0 app.txt',
      'drwxr-xr-x 0/0 bin/',
      '-rwxr-xr-x 0/0 bin/run.sh',
      'drwxr-xr-x 0/0 docs/',
      '-rw-r--r-- 0/0 docs/README.md',
      '-rw-r--r-- 0/0 keep.log',
      'lrwxrwxrwx 0/0 link -> app.txt',
      'drwxr-xr-x 0/0 src/',
      'drwxr-xr-x 0/0 src/deep/',
      '-rw-r--r-- 0/0 src/deep/a.log',
    ])
    expect(ctx.files).toBe(7)
  })

  test('the Dockerfile and .dockerignore go in even when ignored (the engine reads them)', async () => {
    const dir = tree({
      'build/Dockerfile': 'FROM scratch\n',
      '.dockerignore': '*\n!app/\n',
      'app/a.txt': 'a',
      'b.txt': 'b',
    })
    const ctx = await contextTar({ contextDir: dir, dockerfile: join(dir, 'build/Dockerfile') })
    expect(ctx.dockerfile).toBe('build/Dockerfile')
    expect((await listing(ctx.stream)).map((l) => l.split(' ').pop())).toEqual([
      '.dockerignore',
      'app/',
      'app/a.txt',
      'build/Dockerfile',
    ])
  })

  test('a Dockerfile outside the context is added under .dockerfile.<hash of its content>', async () => {
    const root = tree({ 'Dockerfile.prod': 'FROM scratch\nCOPY . /\n', 'web/index.html': 'hi' })
    const ctx = await contextTar({ contextDir: join(root, 'web'), dockerfile: join(root, 'Dockerfile.prod') })
    expect(ctx.dockerfile).toMatch(/^\.dockerfile\.[0-9a-f]{20}$/)
    const names = (await listing(ctx.stream)).map((l) => l.split(' ').pop())
    expect(names).toEqual(['index.html', ctx.dockerfile])
    expect(ctx).toMatchObject({ files: 2, bytes: 2 + 'FROM scratch\nCOPY . /\n'.length })
  })

  test('a missing context dir fails when the archive is made, before anything is sent', async () => {
    await expect(
      contextTar({ contextDir: '/nonexistent/ctx', dockerfile: '/nonexistent/ctx/Dockerfile' }),
    ).rejects.toThrow(/ENOENT/)
  })
})
