import { describe, expect, test } from 'vitest'
import { envFileContent, escapeValue, removeEnvFile, writeEnvFile } from '../../lib/commands/env-file.ts'
import { argv, render, Secret } from '../../lib/shell/command.ts'
import { runWithFakeDocker } from './fake-docker.ts'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const env = (secret: Record<string, string>, clear: Record<string, string> = {}) => ({
  clear,
  secret: Object.fromEntries(Object.entries(secret).map(([k, v]) => [k, new Secret(v)])),
})

describe('envFileContent (Kamal::EnvFile)', () => {
  test('one KEY=value line per secret; clear values are not in the file', () => {
    expect(envFileContent(env({ foo: 'bar', baz: 'haz' }, { CLEAR: 'x' }))).toBe('foo=bar\nbaz=haz\n')
  })

  test('an env without secrets gives a single newline, as Kamal', () => {
    expect(envFileContent(env({}))).toBe('\n')
  })

  test('non-ASCII text is kept as-is, double quotes are literal', () => {
    expect(envFileContent(env({ foo: '你好 means hello, "欢迎" means welcome, that\'s simple! 😃 {smile}' }))).toBe(
      'foo=你好 means hello, "欢迎" means welcome, that\'s simple! 😃 {smile}\n',
    )
    expect(envFileContent(env({ SECRET_TAG: '中文' }))).toBe('SECRET_TAG=中文\n')
  })

  test("ASCII goes through Ruby's String#dump: named escapes, \\xNN, backslashes doubled", () => {
    expect(escapeValue('hello\nworld')).toBe('hello\\nworld')
    expect(escapeValue('a\tb\r\f\v\b\x07\x1bz')).toBe('a\\tb\\r\\f\\v\\b\\a\\ez')
    expect(escapeValue('\x01\x7f')).toBe('\\x01\\x7F')
    expect(escapeValue('back\\slash')).toBe('back\\\\slash')
    expect(escapeValue("$PATH `id` 'q'")).toBe("$PATH `id` 'q'")
  })

  test('# is never escaped, even before { $ @ (where dump would)', () => {
    expect(escapeValue('#{x} #$y #@z a#b')).toBe('#{x} #$y #@z a#b')
  })
})

describe('writeEnvFile / removeEnvFile', () => {
  test('content comes on stdin; the path is the only argument', () => {
    const command = writeEnvFile('.kamal/env/roles/app-web.env')
    expect(argv(command)).toEqual([
      'sh',
      '-c',
      'umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1" && chmod 600 "$1"',
      'sh',
      '.kamal/env/roles/app-web.env',
    ])
    expect(argv(removeEnvFile('.kamal/env/roles/app-web.env'))).toEqual(['rm', '-f', '.kamal/env/roles/app-web.env'])
  })

  test('writes the secrets with mode 600 through a real sh', () => {
    const content = envFileContent(env({ PASSWORD: 'it\'s "$x"' }))
    const run = runWithFakeDocker(writeEnvFile('.kamal/env/roles/app-web.env'), 'exit 0', { stdin: content })
    expect(run.code).toBe(0)
    const file = join(run.home, '.kamal/env/roles/app-web.env')
    expect(readFileSync(file, 'utf8')).toBe('PASSWORD=it\'s "$x"\n')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(render(writeEnvFile('x'), { redact: true })).not.toContain('PASSWORD')
  })
})
