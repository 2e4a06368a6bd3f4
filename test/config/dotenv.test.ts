import { describe, expect, test } from 'vitest'
import { parseDotenv } from '../../lib/config/dotenv.ts'

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
