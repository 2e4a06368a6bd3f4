import { expect, test } from 'vitest'
import { scrub } from '../../lib/exec/output.ts'
import { knownSecrets } from '../../lib/run/run-log.ts'
import { Secret } from '../../lib/shell/command.ts'

test('a secret is scrubbed as it is and as programs print it back escaped', () => {
  const secret = new Secret('pa"ss\\word\t$HOME')
  // docker inspect prints env values as JSON; Kamal's env file escapes backslash and tab but not the quote.
  expect(scrub('raw pa"ss\\word\t$HOME end', [secret])).toBe('raw [REDACTED] end')
  expect(scrub('"PW=pa\\"ss\\\\word\\t$HOME"', [secret])).toBe('"PW=[REDACTED]"')
  expect(scrub('PW=pa"ss\\\\word\\t$HOME', [secret])).toBe('PW=[REDACTED]')
})

test('a secret of several lines is scrubbed whole, and line by line as logs show it; short lines are left alone', () => {
  const key = new Secret('-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQAB\nxy\n-----END KEY-----')
  expect(scrub('key: -----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQAB\nxy\n-----END KEY-----', [key])).toBe(
    'key: [REDACTED]',
  )
  expect(scrub('12:00 AAAAB3NzaC1yc2EAAAADAQAB\n12:01 xy', [key])).toBe('12:00 [REDACTED]\n12:01 xy')
})

test('the longest secret is replaced first, so one that contains another leaks no part of itself', () => {
  expect(scrub('token=abc123-extra', [new Secret('abc123'), new Secret('abc123-extra')])).toBe('token=[REDACTED]')
})

test('build secrets are known by name and read from the environment; empty values are not secrets', () => {
  const config = { builder: { secrets: ['GITHUB_TOKEN', 'UNSET', 'EMPTY'] }, registry: { password: new Secret('pw') } }
  const found = knownSecrets(config, { GITHUB_TOKEN: 'ghp_123', EMPTY: '' }).map((s) => s.value)
  expect(found.sort()).toEqual(['ghp_123', 'pw'])
})
