import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { loadProgram, program, PROGRAM_DIR } from '../../lib/commands/program.ts'
import { argv, render, Secret } from '../../lib/shell/command.ts'
import { includeFiles, programFiles } from './programs.ts'

/** A program dir of its own, for malformed declarations. */
function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-sh-'))
  mkdirSync(join(dir, 'include'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return `${dir}/`
}

describe('every program in lib/commands/sh', () => {
  test('loads: parameters declared in its first line of code, includes inlined, comment lines dropped', () => {
    for (const file of programFiles()) {
      const { text, params } = loadProgram(file)
      expect(params.length, file).toBeGreaterThan(0)
      expect(text.split('\n')[0], file).toBe(params.map((p, i) => `${p}=$${i < 9 ? i + 1 : `{${i + 1}}`}`).join(' '))
      expect(text, file).not.toMatch(/^\s*#/m)
      expect(text, file).not.toMatch(/^\s*$/m)
      expect(text, file).not.toContain('./include/')
    }
  })

  test('is used by a builder, and every include by a program', () => {
    const sources = execFileSync('grep', ['-rhoE', "'[a-z0-9-]+\\.sh'", 'lib', '--include=*.ts'], { encoding: 'utf8' })
    const used = new Set(sources.split('\n').map((quoted) => quoted.slice(1, -1)))
    expect(programFiles().filter((f) => !used.has(f))).toEqual([])
    const included = programFiles().flatMap((f) =>
      [...readFileSync(join(PROGRAM_DIR, f), 'utf8').matchAll(/^\. \.\/include\/(.+\.sh)$/gm)].map((m) => m[1]),
    )
    expect(includeFiles().filter((f) => !included.includes(f.slice('include/'.length)))).toEqual([])
  })

  test('parses under dash, bash and busybox sh', () => {
    for (const file of programFiles()) {
      const { text } = loadProgram(file)
      for (const shell of [['dash'], ['bash'], ['busybox', 'sh']]) {
        expect(
          () => execFileSync(shell[0]!, [...shell.slice(1), '-n', '-c', text]),
          `${shell[0]} ${file}`,
        ).not.toThrow()
      }
    }
  })
})

describe('binding', () => {
  const health = program<'name' | 'timeout_ms' | 'ready_ms' | 'interval' | 'check_every' | 'check_cmd'>(
    'health-wait.sh',
  )

  test('values by name become positional parameters in declaration order; numbers and flags as text', () => {
    const command = health({
      interval: 0.2,
      ready_ms: 7000,
      timeout_ms: 28000,
      name: 'app-web-v2',
      check_every: undefined,
      check_cmd: undefined,
    })
    expect(argv(command).slice(3)).toEqual(['sh', 'app-web-v2', '28000', '7000', '0.2', '', ''])
    const current = program<'ref' | 'prefix' | 'print'>('current-container.sh')
    expect(argv(current({ ref: 'r', prefix: undefined, print: true }, ['--all'])).slice(3)).toEqual([
      'sh',
      'r',
      '',
      '1',
      '--all',
    ])
  })

  test('the text is never touched by a value: it is the file, whatever is bound', () => {
    const nasty = `x'; rm -rf / #$(id)`
    expect(
      argv(health({ name: nasty, timeout_ms: 1, ready_ms: 1, interval: 1, check_every: nasty, check_cmd: nasty }))[2],
    ).toBe(loadProgram('health-wait.sh').text)
  })

  test('logs, errors and dry runs show the file and its values, secrets redacted', () => {
    const prepare = program<'name' | 'envfile'>('accessory-prepare.sh')
    const command = prepare({ name: 'db', envfile: new Secret('hunter2') }, ['data'])
    expect(render(command, { redact: true })).toBe("sh accessory-prepare.sh db '[REDACTED]' data")
    expect(render(command, { redact: false })).toContain(' sh db hunter2 data')
  })

  test('a missing, extra or misspelt name, or a list the program does not take, is an error naming the file', () => {
    const bind = health as (values: Record<string, string>, rest?: string[]) => unknown
    expect(() => bind({ name: 'a', timeout_ms: '1', ready_ms: '1', check_every: '', check_cmd: '' })).toThrow(
      'health-wait.sh takes check_cmd, check_every, interval, name, ready_ms, timeout_ms; bound: check_cmd, check_every, name, ready_ms, timeout_ms',
    )
    expect(() =>
      bind({ name: 'a', timeout_ms: '1', ready_ms: '1', interval: '1', check_every: '', check_cmd: '', extra: '' }),
    ).toThrow('bound:')
    expect(() =>
      bind({ name: 'a', timeout_ms: '1', ready_ms: '1', interval: '1', check_every: '', check_cmd: '' }, ['x']),
    ).toThrow('health-wait.sh takes no list after its parameters')
  })
})

describe('declarations', () => {
  test('parameters must be numbered in order', () => {
    const dir = dirWith({ 'bad.sh': '# x\na=$1 b=$3\necho "$a$b"\n' })
    expect(() => loadProgram('bad.sh', dir)).toThrow('bad.sh: parameter b must be $2')
  })

  test('a list needs `shift N` right after the declaration; an include is inlined once', () => {
    const dir = dirWith({
      'list.sh': 'a=$1 b=$2\nshift 2\n. ./include/x.sh\n. ./include/x.sh\nf "$@"\n',
      'include/x.sh': '# helper\nf() {\n  echo "$@"\n}\n',
      'nolist.sh': 'a=$1\nshift 2\n',
    })
    expect(loadProgram('list.sh', dir)).toMatchObject({
      params: ['a', 'b'],
      rest: true,
      text: 'a=$1 b=$2\nshift 2\nf() {\n  echo "$@"\n}\nf "$@"',
    })
    expect(loadProgram('nolist.sh', dir).rest).toBe(false)
  })
})
