import { createHmac } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fingerprint, hostKeyName, keyType, knownHosts, matches } from '../../lib/exec/known-hosts.ts'

/** An SSH public key blob: string type, then some bytes (the parser only reads the type). */
const blob = (type: string, body: string) => {
  const t = Buffer.from(type)
  const len = Buffer.alloc(4)
  len.writeUInt32BE(t.length)
  return Buffer.concat([len, t, Buffer.from(body)])
}
const ED = blob('ssh-ed25519', 'one')
const ED2 = blob('ssh-ed25519', 'two')
const RSA = blob('ssh-rsa', 'three')
const b64 = (b: Buffer) => b.toString('base64')

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slipway-kh-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

test('names and key facts as OpenSSH writes them', () => {
  expect(hostKeyName('10.0.0.1', 22)).toBe('10.0.0.1')
  expect(hostKeyName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222')
  expect(keyType(ED)).toBe('ssh-ed25519')
  expect(fingerprint(ED)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
})

test('patterns: lists, globs, negation, case, hashed entries', () => {
  expect(matches('a.example,10.0.0.1', '10.0.0.1')).toBe(true)
  expect(matches('10.0.0.*', '10.0.0.7')).toBe(true)
  expect(matches('10.0.0.?', '10.0.0.17')).toBe(false)
  expect(matches('10.0.0.*,!10.0.0.7', '10.0.0.7')).toBe(false)
  expect(matches('Web.Example', 'web.example')).toBe(true)
  expect(matches('10.0.0.1', '[10.0.0.1]:2222')).toBe(false)
  const salt = Buffer.from('0123456789abcdefghij')
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.0.0.1]:2222').digest('base64')}`
  expect(matches(hashed, '[10.0.0.1]:2222')).toBe(true)
  expect(matches(hashed, '10.0.0.1')).toBe(false)
})

describe('check', () => {
  test('known, new, changed (with line), another key type, revoked; cert-authority lines are not host keys', async () => {
    const file = join(dir, 'check')
    await writeFile(
      file,
      [
        '# comment',
        '',
        `web1 ssh-ed25519 ${b64(ED)} me@laptop`,
        `@cert-authority * ssh-ed25519 ${b64(ED2)}`,
        `web2 ssh-rsa ${b64(RSA)}`,
        `@revoked * ssh-ed25519 ${b64(ED2)}`,
        `[web3]:2222 ssh-ed25519 ${b64(ED)}`,
      ].join('\n'),
    )
    const kh = knownHosts(file)
    expect(await kh.check('web1', 22, ED)).toEqual({ status: 'known' })
    expect(await kh.check('web1', 22, blob('ssh-ed25519', 'x'))).toEqual({
      status: 'changed',
      line: 3,
      knownType: 'ssh-ed25519',
    })
    expect(await kh.check('web2', 22, ED)).toEqual({ status: 'changed', line: 5, knownType: 'ssh-rsa' })
    expect(await kh.check('web9', 22, ED2)).toEqual({ status: 'revoked', line: 6, knownType: 'ssh-ed25519' })
    expect(await kh.check('web9', 22, ED)).toEqual({ status: 'new' })
    expect(await kh.check('web3', 2222, ED)).toEqual({ status: 'known' })
    expect(await kh.check('web3', 22, ED)).toEqual({ status: 'new' })
    expect(await kh.knownTypes('web2', 22)).toEqual(['ssh-rsa'])
    expect(await kh.knownTypes('nowhere', 22)).toEqual([])
  })

  test('a missing file means every host is new', async () => {
    expect(await knownHosts(join(dir, 'absent')).check('web1', 22, ED)).toEqual({ status: 'new' })
  })
})

test('add creates ~/.ssh-like dirs and the file (0600), and parallel adds never interleave', async () => {
  const file = join(dir, 'fresh', '.ssh', 'known_hosts')
  const kh = knownHosts(file)
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => kh.add(`h${i}`, i % 2 ? 22 : 2200, blob('ssh-ed25519', `k${i}`))),
  )
  const lines = (await readFile(file, 'utf8')).split('\n')
  expect(lines.pop()).toBe('')
  expect(lines.sort()).toEqual(
    Array.from(
      { length: 20 },
      (_, i) => `${i % 2 ? `h${i}` : `[h${i}]:2200`} ssh-ed25519 ${b64(blob('ssh-ed25519', `k${i}`))}`,
    ).sort(),
  )
  expect((await stat(file)).mode & 0o777).toBe(0o600)
  expect(await kh.check('h3', 22, blob('ssh-ed25519', 'k3'))).toEqual({ status: 'known' })
})
