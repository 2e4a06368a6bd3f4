import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, test } from 'vitest'
import * as assets from '../../lib/commands/assets.ts'
import { argv } from '../../lib/shell/command.ts'
import { runWithFakeDocker } from './fake-docker.ts'
import { makeConfig, role, staging } from './fixture.ts'

const config = makeConfig()
const web = role('web', { assetPath: '/rails/public/assets' }) as assets.AssetRole

/** A dir of files, `path → content`. */
function tree(files: Record<string, string>, dir = mkdtempSync(join(tmpdir(), 'slipway-assets-'))): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), content)
  }
  return dir
}

const read = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined)

// A fake docker whose image holds the files of $IMAGE at asset_path; `ps --latest` answers $CURRENT
// (the current container); `create` fails once with a name clash when $CLASH is a file that exists.
const DOCKER = `case $1 in
  create) if [ -n "$CLASH" ] && [ -e "$CLASH" ]; then rm "$CLASH"; echo 'Conflict. The container name "/x" is already in use' >&2; exit 1; fi ;;
  cp) src=\${3#*:}; [ "\${src%/.}" = /rails/public/assets ] || { echo "Error: Could not find the file \${src%/.} in container" >&2; exit 1; }; cp -R "$IMAGE/." "$4" ;;
  ps) case "$*" in *ancestor=*) printf '%s\\n' "$CURRENT" ;; esac ;;
esac`

function prepare(
  image: Record<string, string>,
  { current = '', clash = false, home }: { current?: string; clash?: boolean; home?: string } = {},
) {
  const clashFile = clash ? join(tree({ clash: '' }), 'clash') : ''
  return runWithFakeDocker(assets.prepareAssets(config, web, 'v2'), DOCKER, {
    home,
    env: { IMAGE: tree(image), CURRENT: current, CLASH: clashFile },
  })
}

describe('bridgesAssets', () => {
  test('only a role behind the proxy with an asset_path bridges assets (Kamal’s assets?)', () => {
    expect(assets.bridgesAssets(web)).toBe(true)
    expect(assets.bridgesAssets(role('web'))).toBe(false)
    expect(assets.bridgesAssets(role('workers', { assetPath: '/rails/public/assets' }))).toBe(false)
  })
})

describe('prepareAssets', () => {
  test('every value is a positional parameter, the role’s filters last', () => {
    const stagingWeb = role('web', { assetPath: '/assets' }) as assets.AssetRole
    expect(argv(assets.prepareAssets(staging(), stagingWeb, 'v2')).slice(3)).toEqual([
      'sh',
      '.kamal',
      'app-web-staging-v2',
      'dhh/app:v2',
      '/assets',
      'dhh/app:latest-staging',
      '--filter',
      'label=service=app',
      '--filter',
      'label=destination=staging',
      '--filter',
      'label=role=web',
    ])
  })

  test('a first deploy: the image’s assets, hidden and nested files too, become the new volume', () => {
    const run = prepare({ 'app-1.css': 'new', '.hidden': 'h', 'fonts/a.woff': 'font' })
    expect([run.code, run.stderr]).toEqual([0, ''])
    expect(run.stdout).toBe(`home=${run.home}\ncurrent=\n`)
    const volume = join(run.home, '.kamal/assets/volumes/app-web-v2')
    expect([read(`${volume}/app-1.css`), read(`${volume}/.hidden`), read(`${volume}/fonts/a.woff`)]).toEqual([
      'new',
      'h',
      'font',
    ])
    expect(read(join(run.home, '.kamal/assets/extracted/app-web-v2/app-1.css'))).toBe('new')
    // The box is created (never started), copied from and removed.
    expect(run.calls.filter((c) => c[0] !== 'ps')).toEqual([
      ['create', '--name', 'app-web-v2-assets', '--entrypoint', 'true', 'dhh/app:v2'],
      ['cp', '-L', 'app-web-v2-assets:/rails/public/assets/.', '.kamal/assets/extracted/app-web-v2'],
      ['rm', 'app-web-v2-assets'],
    ])
    expect(assets.parseAssets(config, web, 'v2', run.stdout)).toEqual({
      volume: `${run.home}/.kamal/assets/volumes/app-web-v2`,
      unmerged: [],
    })
  })

  test('with a current version, each volume gets the other’s assets, and neither loses a file it has', () => {
    const home = tree({
      '.kamal/assets/extracted/app-web-v1/app-1.css': 'old',
      '.kamal/assets/extracted/app-web-v1/shared.txt': 'old shared',
      '.kamal/assets/extracted/app-web-v1/fonts/old.woff': 'old font',
      '.kamal/assets/volumes/app-web-v1/app-1.css': 'old',
      '.kamal/assets/volumes/app-web-v1/shared.txt': 'old shared',
      '.kamal/assets/volumes/app-web-v1/fonts/old.woff': 'old font',
    })
    const run = prepare(
      { 'app-2.css': 'new', 'shared.txt': 'new shared', 'fonts/new.woff': 'new font' },
      { current: 'app-web-v1', home },
    )
    expect([run.code, run.stderr]).toEqual([0, ''])
    expect(run.stdout).toBe(`home=${home}\ncurrent=app-web-v1\n`)
    const files = (volume: string) =>
      ['app-1.css', 'app-2.css', 'shared.txt', 'fonts/old.woff', 'fonts/new.woff'].map((f) =>
        read(join(home, '.kamal/assets/volumes', volume, f)),
      )
    // The new volume: its own files win; the old one keeps what it serves.
    expect(files('app-web-v2')).toEqual(['old', 'new', 'new shared', 'old font', 'new font'])
    expect(files('app-web-v1')).toEqual(['old', 'new', 'old shared', 'old font', 'new font'])
  })

  test('a current container renamed aside is known by the name its dirs have', () => {
    const home = tree({
      '.kamal/assets/extracted/app-web-v1/a.css': 'a',
      '.kamal/assets/volumes/app-web-v1/a.css': 'a',
    })
    const run = prepare({ 'b.css': 'b' }, { current: 'app-web-v1_replaced_0123456789abcdef', home })
    expect(run.stdout).toBe(`home=${home}\ncurrent=app-web-v1\n`)
    expect(read(join(home, '.kamal/assets/volumes/app-web-v2/a.css'))).toBe('a')
  })

  test('a box left by an interrupted run is removed, and the extraction goes on', () => {
    const run = prepare({ 'a.css': 'a' }, { clash: true })
    expect([run.code, run.stderr]).toEqual([0, ''])
    expect(run.calls.slice(0, 3).map((c) => c.slice(0, 2))).toEqual([
      ['create', '--name'],
      ['rm', '-f'],
      ['create', '--name'],
    ])
  })

  test('an asset_path the image lacks fails with docker’s message, and the box is removed', () => {
    const missing = role('web', { assetPath: '/nope' }) as assets.AssetRole
    const run = runWithFakeDocker(assets.prepareAssets(config, missing, 'v2'), DOCKER, {
      env: { IMAGE: tree({ 'a.css': 'a' }), CURRENT: '', CLASH: '' },
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      'asset_path /nope: could not copy it out of dhh/app:v2: Error: Could not find the file /nope in container\n',
    )
    expect(run.calls.at(-1)).toEqual(['rm', 'app-web-v2-assets'])
    // Nothing half-extracted is left behind.
    expect(existsSync(join(run.home, '.kamal/assets/extracted/app-web-v2'))).toBe(false)
    expect(run.stdout).not.toContain('current=')
    expect(() => assets.parseAssets(config, web, 'v2', run.stdout)).toThrow(/unexpected asset preparation output/)
  })
})

describe('parseAssets', () => {
  test('an absolute run directory is the volume’s own root; unmerged volumes are listed', () => {
    const absolute = makeConfig({ runDirectory: '/var/lib/kamal' })
    expect(assets.parseAssets(absolute, web, 'v2', 'home=/root\ncurrent=app-web-v1\nunmerged=/x\n')).toEqual({
      volume: '/var/lib/kamal/assets/volumes/app-web-v2',
      unmerged: ['/x'],
    })
  })
})

describe('cleanUpAssets', () => {
  test('leaves the dirs of a role whose name starts with this one’s and a dash', () => {
    const roles = makeConfig({ roles: [web, role('web-admin', { assetPath: '/a' }), role('webhooks')] })
    expect(argv(assets.cleanUpAssets(roles, web, 'v2')).slice(7, 14)).toEqual([
      '-name',
      'app-web-*',
      '!',
      '-name',
      'app-web-admin-*',
      '!',
      '-name',
    ])
  })

  test('removes every other version’s dirs of the role, in both places (Kamal’s clean_up_assets)', () => {
    expect(argv(assets.cleanUpAssets(config, web, 'v2'))).toEqual([
      'find',
      '.kamal/assets/extracted',
      '.kamal/assets/volumes',
      '-mindepth',
      '1',
      '-maxdepth',
      '1',
      '-name',
      'app-web-*',
      '!',
      '-name',
      'app-web-v2',
      '-exec',
      'rm',
      '-rf',
      '{}',
      '+',
    ])
  })
})
