import { spawnSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { filterArgs, labelArgs, optionize, splitWords } from '../../lib/commands/args.ts'
import { makeConfig, staging, web } from './fixture.ts'

describe('splitWords (role cmd)', () => {
  test('splits on whitespace like sh, without expansion', () => {
    expect(splitWords('sleep infinity')).toEqual(['sleep', 'infinity'])
    expect(splitWords('  bin/jobs   --queue  "a b"  ')).toEqual(['bin/jobs', '--queue', 'a b'])
    expect(splitWords(`sh -c 'echo $HOME && ls'`)).toEqual(['sh', '-c', 'echo $HOME && ls'])
    expect(splitWords(String.raw`echo "say \"hi\" \$x \n" a\ b 'it'\''s'`)).toEqual([
      'echo',
      'say "hi" $x \\n',
      'a b',
      "it's",
    ])
    expect(splitWords('x "" y')).toEqual(['x', '', 'y'])
    expect(splitWords('')).toEqual([])
  })

  test('agrees with a real sh on the same words', () => {
    for (const text of [
      'bin/jobs --queue "a b"',
      String.raw`a\ b "c\"d" 'e f'g "" h\\i`,
      'one\ttwo  three',
      String.raw`"\$HOME" '\$HOME'`,
    ]) {
      const out = spawnSync('sh', ['-c', `for a in ${text}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' }).stdout
      expect(splitWords(text)).toEqual(out.split('\0').slice(0, -1))
    }
  })

  test('an unterminated quote is an error, not a guess', () => {
    expect(() => splitWords('bin/jobs "a b')).toThrow('unterminated " in cmd: bin/jobs "a b')
  })
})

describe('docker option helpers', () => {
  test('optionize: true is a bare flag, arrays repeat, false and empty are dropped', () => {
    expect(optionize({ cpus: 2, init: true, 'add-host': ['a:1', 'b:2'], privileged: false, memory: '' })).toEqual([
      '--cpus',
      '2',
      '--init',
      '--add-host',
      'a:1',
      '--add-host',
      'b:2',
    ])
  })

  test('labels: undefined values are bare labels', () => {
    expect(labelArgs({ service: 'app', destination: undefined })).toEqual([
      '--label',
      'service=app',
      '--label',
      'destination',
    ])
  })

  test('filters: service, destination when set, role, statuses', () => {
    expect(filterArgs(makeConfig(), { role: web })).toEqual([
      '--filter',
      'label=service=app',
      '--filter',
      'label=role=web',
    ])
    expect(filterArgs(staging(), { role: web, statuses: ['running'] })).toEqual([
      '--filter',
      'label=service=app',
      '--filter',
      'label=destination=staging',
      '--filter',
      'label=role=web',
      '--filter',
      'status=running',
    ])
  })
})
