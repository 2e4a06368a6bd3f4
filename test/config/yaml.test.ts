import { spawnSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { findRuby } from '../../lib/config/erb/ruby.ts'
import { parseConfig } from '../../lib/config/load.ts'
import { psychScalar } from '../../lib/config/psych-scalar.ts'
import { identityMap } from '../../lib/config/source-map.ts'
import { readYaml } from '../../lib/config/yaml.ts'
import { ConfigError } from '../../lib/errors.ts'

// deploy.yml read as Ruby's Psych (YAML 1.1, `YAML.unsafe_load`) reads it, which is how Kamal does.

const read = (text: string): unknown => readYaml('deploy.yml', text, identityMap(text)).value

describe('scalars as Psych types them', () => {
  // Each value is what `ruby -ryaml -e 'p YAML.unsafe_load("v: TEXT")'` prints (Ruby 3.1, Psych 4),
  // with floats and symbols as the text their to_s gives.
  test.each([
    ['10_000', 10000],
    ['1,000', 1000],
    ['-1_0', -10],
    ['0755', 493],
    ['08', '08'],
    ['0x1F', 31],
    ['0b101', 5],
    ['1:30', 5400],
    ['1:30:10', 5410],
    ['12:60', '12:60'],
    ['3.0', '3.0'],
    ['.5', '0.5'],
    ['1.', '1.0'],
    ['1.0e+3', '1000.0'],
    ['1e3', '1e3'],
    ['1.9.3', '1.9.3'],
    ['Yes', true],
    ['ON', true],
    ['off', false],
    ['y', 'y'],
    ['n', 'n'],
    ['~', null],
    ['NULL', null],
    ['', null],
    [':fatal', 'fatal'],
    ['2024-01-02', '2024-01-02'],
    ['10.0.0.3:80', '10.0.0.3:80'],
    ['"10_000"', '10_000'],
  ])('%s → %j', (text, value) => {
    expect(read(`v: ${text}\n`)).toEqual({ v: value })
  })

  test('rubyFloat text for large and small floats', () => {
    expect([psychScalar('12345678901234567.0'), psychScalar('0.00001')]).toEqual(['1.2345678901234568e+16', '1.0e-05'])
  })
})

describe('documents', () => {
  test('a `...` marker ends the document: what follows is not read', () => {
    expect(read('a: 1\n...\nb: [unclosed\n')).toEqual({ a: 1 })
  })

  test('duplicate keys: the last one wins, with a warning naming both lines', () => {
    const warnings: string[] = []
    const config = parseConfig(
      'service: app\nimage: first\nimage: second\nservers: [1.1.1.1]\nregistry:\n  username: u\n  password: p\n  username: v\n',
      { warn: (w) => warnings.push(w) },
    )
    expect([config.image, config.registry.username]).toEqual(['second', 'v'])
    expect(warnings).toEqual([
      'deploy.yml:3:1 image: duplicate key (also on line 2); the last one wins, as in Kamal',
      'deploy.yml:8:3 registry.username: duplicate key (also on line 6); the last one wins, as in Kamal',
    ])
  })

  test('an error at a duplicated key points at the one that counts', () => {
    expect(() =>
      parseConfig(
        'service: app\nimage: app\nservers: [1.1.1.1]\nretain_containers: 2\nretain_containers: x\nregistry: {username: u, password: p}\n',
      ),
    ).toThrow('deploy.yml:5:20 retain_containers: must be a whole number, found "x"')
  })

  test('anchors, aliases and merge keys; a merge overrides keys written before it, as Psych does', () => {
    const text = [
      'x-role: &role',
      '  cmd: bin/jobs',
      '  options: {memory: 1g}',
      'servers:',
      '  jobs:',
      '    cmd: overridden-by-merge',
      '    <<: *role',
      '    hosts: &hosts [1.1.1.1]',
      '  web:',
      '    <<: [*role, {cmd: not-used, labels: {a: b}}]',
      '    cmd: bin/web',
      '    hosts: *hosts',
    ].join('\n')
    expect(read(text)).toEqual({
      'x-role': { cmd: 'bin/jobs', options: { memory: '1g' } },
      servers: {
        jobs: { cmd: 'bin/jobs', options: { memory: '1g' }, hosts: ['1.1.1.1'] },
        web: { cmd: 'bin/web', options: { memory: '1g' }, labels: { a: 'b' }, hosts: ['1.1.1.1'] },
      },
    })
  })

  test('parser errors in plain words, with no advice meant for programmers', () => {
    const errorOf = (text: string): string => {
      try {
        read(text)
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError)
        return (error as Error).message
      }
      return expect.unreachable()
    }
    expect(errorOf('a: 1\nb: *nowhere\n')).toBe(
      'deploy.yml:2:4 b: unknown alias *nowhere: an alias needs an anchor &nowhere before it',
    )
    expect(errorOf('a: 1\n\tb: 2\n')).not.toMatch(/YAML\.|please/i)
    expect(errorOf('a: "open\nb: 2\n')).toBe('deploy.yml:1:4 (root): a quoted value is missing its closing "')
  })
})

// Where Ruby is installed, the same file must give what Psych gives (this test needs ruby:
// Debian `apt-get install ruby`; slipway itself does not).
test('the same values as Ruby for a file with anchors, merges, duplicates and YAML 1.1 scalars', () => {
  const ruby = findRuby(process.env)
  if (!ruby) throw new Error('this test needs ruby on PATH (Debian: apt-get install ruby); slipway itself does not')
  const text = [
    'a: &a {x: 1, y: [10_000, 1,000, 0755, "q", yes, No, ~]}',
    'b:',
    '  x: 9',
    '  <<: *a',
    '  z: :sym',
    'c: {<<: [*a, {w: 1:30}]}',
    'd: 1',
    'd: 2',
    '...',
    'e: 3',
  ].join('\n')
  const result = spawnSync(ruby, ['-ryaml', '-rjson', '-e', 'puts JSON.generate(YAML.unsafe_load(STDIN.read))'], {
    input: text,
    encoding: 'utf8',
  })
  expect(result.status).toBe(0)
  expect(read(text)).toEqual(JSON.parse(result.stdout))
})
