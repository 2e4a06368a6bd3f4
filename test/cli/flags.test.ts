import { describe, expect, expectTypeOf, test } from 'vitest'
import { defineCommand, type Invocation } from '../../lib/cli/command.ts'
import { parseInvocation } from '../../lib/cli/flags.ts'
import { usage } from '../../lib/cli/usage.ts'

const exec = defineCommand({
  name: 'exec',
  options: {
    interactive: { type: 'boolean', short: 'i' },
    env: { type: 'string', short: 'e', multiple: true },
    lines: { type: 'string', short: 'n' },
  },
  args: ['CMD', '[ARG]'],
  recipe: () => [],
})

const parse = (argv: string[]) => {
  const parsed = parseInvocation(argv, exec)
  if (parsed.help) throw new Error('help')
  return parsed
}

describe('parseInvocation', () => {
  test("options arrive typed from the command's declaration", () => {
    const { options, args, flags } = parse(['ls', '-i', '-e', 'A=1', '--env', 'B=2', '-h', 'a,b', '-n', '5'])
    expectTypeOf(options.interactive).toEqualTypeOf<boolean>()
    expectTypeOf(options.env).toEqualTypeOf<readonly string[]>()
    expectTypeOf(options.lines).toEqualTypeOf<string | undefined>()
    expect(options).toEqual({ interactive: true, env: ['A=1', 'B=2'], lines: '5' })
    expect(args).toEqual(['ls'])
    expect(flags.hosts).toEqual(['a', 'b'])
  })

  test('absent options: booleans false, strings undefined, repeatables empty', () => {
    expect(parse(['ls']).options).toEqual({ interactive: false, env: [], lines: undefined })
  })

  test('positional arguments: required ones missing, optional ones absent, extra ones', () => {
    expect(parse(['ls', 'x']).args).toEqual(['ls', 'x'])
    expect(() => parse([])).toThrow('exec needs CMD')
    expect(() => parse(['ls', 'x', 'y', 'z'])).toThrow('exec takes CMD ARG, got also: y z')
  })

  test('--help is answered before positionals are checked', () => {
    expect(parseInvocation(['--help'], exec)).toEqual({ help: true })
    expect(parseInvocation(['a', 'b', 'c', '--help'], exec)).toEqual({ help: true })
  })

  test('a command without shared flags refuses them; unknown flags say so', () => {
    const bare = defineCommand({ name: 'init', sharedFlags: false, run: async () => {} })
    expect(() => parseInvocation(['-c', 'x.yml'], bare)).toThrow("Unknown option '-c'")
    expect(() => parseInvocation(['--frob'], exec)).toThrow(/^Unknown option '--frob'.*\(see --help\)$/)
  })

  test('subcommands: the first positional, checked against the declared ones', () => {
    const lock = defineCommand({ name: 'lock', args: ['[WHY]'], subcommands: { status: () => [], acquire: () => [] } })
    const parsed = parseInvocation(['acquire', 'because'], lock) as Invocation
    expect([parsed.subcommand, parsed.args]).toEqual(['acquire', ['because']])
    expect(() => parseInvocation([], lock)).toThrow('missing subcommand: use one of status, acquire (see --help)')
    expect(() => parseInvocation(['steal'], lock)).toThrow('unknown subcommand steal: use one of status, acquire')
    expect(() => parseInvocation(['status', 'a', 'b'], lock)).toThrow('lock status takes WHY, got also: b')
  })
})

test('usage is derived from the declaration', () => {
  expect(usage(exec, 'slipway exec').split('\n')[0]).toBe('usage: slipway exec CMD [ARG] [flags]')
  const text = usage(
    defineCommand({ name: 'init', sharedFlags: false, help: ['  x'], run: async () => {} }),
    'slipway init',
  )
  expect(text).toBe('usage: slipway init [flags]\n\nflags:\n  x\n      --help               this help')
})

describe('per-subcommand arguments and --lock-wait', () => {
  const app = defineCommand({
    name: 'app',
    args: [],
    subcommandArgs: { exec: ['CMD...'] },
    subcommands: { exec: () => [], details: () => [] },
  })
  const parseApp = (argv: string[]) => {
    const parsed = parseInvocation(argv, app)
    if (parsed.help) throw new Error('help')
    return parsed
  }

  test('a subcommand takes its own positionals; a last `...` one takes every remaining word', () => {
    expect(parseApp(['exec', 'ls']).args).toEqual(['ls'])
    expect(parseApp(['exec', '--', 'ls', '-la', '/']).args).toEqual(['ls', '-la', '/'])
    expect(() => parseApp(['exec'])).toThrow('app exec needs CMD...')
    expect(() => parseApp(['details', 'x'])).toThrow('app details takes no arguments, got also: x')
    expect(usage(app, 'slipway app')).toContain('\n       exec CMD...\n')
  })

  test('--lock-wait alone waits the default; =SECONDS says how long; absent, it does not wait', () => {
    expect(parseApp(['details']).flags.lockWait).toBeUndefined()
    expect(parseApp(['details', '--lock-wait']).flags.lockWait).toBe(900)
    expect(parseApp(['details', '--lock-wait=30']).flags.lockWait).toBe(30)
    expect(() => parseApp(['details', '--lock-wait=soon'])).toThrow('--lock-wait must be a whole number, got soon')
  })
})
