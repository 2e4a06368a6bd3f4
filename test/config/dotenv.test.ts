import { describe, expect, test } from 'vitest'
import { parseDotenv } from '../../lib/config/dotenv.ts'
import { evaluateErb } from '../../lib/config/erb.ts'
import { ConfigError } from '../../lib/errors.ts'

describe('evaluateErb', () => {
  const env = { A: 'alpha', EMPTY: '' }
  test.each([
    ['<%= ENV["A"] %>', 'alpha'],
    ["<%= ENV['A'] %>", 'alpha'],
    ['<%=ENV[ "A" ]%>', 'alpha'],
    ['<%= ENV["MISSING"] %>', ''],
    ['<%= ENV.fetch("A") %>', 'alpha'],
    ["<%= ENV.fetch( 'A' ) %>", 'alpha'],
    ['<%= ENV.fetch("MISSING", "dflt") %>', 'dflt'],
    ["<%= ENV.fetch('MISSING', 'it is \"q\"') %>", 'it is "q"'],
    ['<%= ENV.fetch("EMPTY", "dflt") %>', ''],
    ['<%= ENV.fetch("A", "") %>x', 'alphax'],
  ])('%s → %s', (source, expected) => {
    expect(evaluateErb(source, { file: 'deploy.yml', env })).toBe(expected)
  })

  test('keeps line numbers and leaves comments alone', () => {
    const src = 'a: 1\n# <%= `whoami` %>\nb: <%= ENV["A"] %> # <%= 1 %>\nc: 3'
    expect(evaluateErb(src, { file: 'deploy.yml', env })).toBe('a: 1\n# <%= `whoami` %>\nb: alpha # <%= 1 %>\nc: 3')
  })

  test('anything else is a ConfigError at its line and column', () => {
    const run = (): string =>
      evaluateErb('a: 1\nb:   <% if x %>\nc: <%= ENV.fetch("NOPE") %>', { file: 'deploy.yml', env })
    expect(run).toThrow(ConfigError)
    expect(run).toThrow(
      [
        'deploy.yml:2:6 <% if x %>: unsupported ERB: only <%= ENV["X"] %> and <%= ENV.fetch("X"[, "default"]) %> are evaluated',
        'deploy.yml:3:4 <%= ENV.fetch("NOPE") %>: NOPE is not set (env or .env)',
      ].join('\n'),
    )
  })
})

describe('parseDotenv', () => {
  test('the dotenv format', () => {
    const text = [
      '# comment',
      'PLAIN=value',
      'export EXPORTED=yes',
      'SPACED = around # trailing comment',
      "SINGLE='literal $PLAIN #not-a-comment'",
      'DOUBLE="line1\\nline2 \\"quoted\\" $PLAIN \\$PLAIN"',
      'MULTI="first',
      'second"',
      'BRACED=${PLAIN}-x',
      'FROM_BASE=$HOME_DIR',
      'EMPTY=',
      'EQUALS=a=b',
      'NO_EQUALS_LINE',
      'WIN=crlf\r',
    ].join('\n')
    expect(parseDotenv(text, { HOME_DIR: '/home/me' })).toEqual({
      PLAIN: 'value',
      EXPORTED: 'yes',
      SPACED: 'around',
      SINGLE: 'literal $PLAIN #not-a-comment',
      DOUBLE: 'line1\nline2 "quoted" value $PLAIN',
      MULTI: 'first\nsecond',
      BRACED: 'value-x',
      FROM_BASE: '/home/me',
      EMPTY: '',
      EQUALS: 'a=b',
      WIN: 'crlf',
    })
  })
})
