import { execFileSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import {
  and,
  argv,
  cmd,
  each,
  opt,
  or,
  pipe,
  quote,
  render,
  script,
  Secret,
  secretsOf,
  seq,
} from '../../lib/shell/command.ts'

const show = (c: Parameters<typeof render>[0]) => render(c, { redact: true })
const run = (c: Parameters<typeof render>[0]) => render(c, { redact: false })

describe('cmd', () => {
  test('drops false, null and undefined, keeps empty strings, flattens arrays', () => {
    expect(
      argv(cmd('docker', 'ps', false && '--all', undefined, null, '', ['--filter', 'label=x'], [false, 'q'])),
    ).toEqual(['docker', 'ps', '', '--filter', 'label=x', 'q'])
  })
  test('renders safe words bare and everything else single-quoted', () => {
    expect(
      show(cmd('docker', 'run', '--name', 'app-web-v1', '--label', 'traefik.http.routers.app.rule=PathPrefix(`/`)')),
    ).toBe("docker run --name app-web-v1 --label 'traefik.http.routers.app.rule=PathPrefix(`/`)'")
  })
})

describe('opt and each', () => {
  test('opt gives a flag/value pair only for present values; numbers become strings', () => {
    expect(opt('--hostname', 'web-1')).toEqual(['--hostname', 'web-1'])
    expect(opt('--tail', 10)).toEqual(['--tail', '10'])
    expect(opt('--tail', 0)).toEqual(['--tail', '0'])
    expect(opt('--hostname', '')).toEqual(['--hostname', ''])
    expect(opt('--hostname', undefined)).toEqual([])
    expect(opt('--hostname', null)).toEqual([])
    expect(opt('--hostname', false)).toEqual([])
  })
  test('each repeats the flag per value', () => {
    expect(each('--env', ['A=1', 'B=2'])).toEqual(['--env', 'A=1', '--env', 'B=2'])
    expect(each('--env', [])).toEqual([])
  })
})

describe('operators', () => {
  const a = cmd('a')
  const b = cmd('b', 'x y')
  const c = cmd('c')
  test('pipe, and, or, seq join with their operator', () => {
    expect(show(pipe(a, b, c))).toBe("a | b 'x y' | c")
    expect(show(and(a, b))).toBe("a && b 'x y'")
    expect(show(or(a, b))).toBe("a || b 'x y'")
    expect(show(seq(a, b))).toBe("a ; b 'x y'")
  })
  test('nested lists get braces; pipes and simple commands do not', () => {
    expect(show(and(or(a, b), c))).toBe("{ a || b 'x y'; } && c")
    expect(show(or(and(a, b), pipe(a, c)))).toBe("{ a && b 'x y'; } || a | c")
    expect(show(and(seq(a, b), c))).toBe("{ a ; b 'x y'; } && c")
    expect(show(pipe(a, and(b, c)))).toBe("a | { b 'x y' && c; }")
  })
  test('braces keep sh from reading `a || b && c` as `(a || b) && c`', () => {
    const text = run(or(cmd('true'), and(cmd('false'), cmd('echo', 'wrong'))))
    expect(text).toBe('true || { false && echo wrong; }')
    expect(execFileSync('sh', ['-c', text], { encoding: 'utf8' })).toBe('')
  })
  test('script passes values as positional parameters after $0', () => {
    expect(show(script('printf "%s" "$1" > "$2"', "it's", '/tmp/x y'))).toBe(
      `sh -c 'printf "%s" "$1" > "$2"' sh 'it'\\''s' '/tmp/x y'`,
    )
  })
})

describe('render: brief, for error messages', () => {
  test('cuts words over 100 characters to their first 60 and …, in lists too; short words and execution stay whole', () => {
    const route = JSON.stringify({
      '@id': 'app-web',
      match: [{ host: ['app.test'] }],
      handle: [{ handler: 'reverse_proxy', upstreams: [{ dial: 'app-web-0123456789abcdef:80' }] }],
    })
    const command = and(cmd('sh', 'x.sh', route, 'app-web-v2'), cmd('docker', 'stop', 'app-web-v1'))
    const brief = render(command, { redact: true, brief: true })
    expect(brief).toBe(`sh x.sh ${quote(route).slice(0, 60)}… app-web-v2 && docker stop app-web-v1`)
    expect(render(command, { redact: true })).toContain(quote(route))
    expect(render(command, { redact: false, brief: false })).toContain(quote(route))
  })
})

describe('Secret', () => {
  const secret = new Secret('hunter2 $HOME')
  const login = pipe(cmd('echo', secret), cmd('docker', 'login', '-u', 'me', '-p', secret))
  test('redacted rendering shows [REDACTED], execution rendering the quoted value', () => {
    expect(show(login)).toBe("echo '[REDACTED]' | docker login -u me -p '[REDACTED]'")
    expect(run(login)).toBe("echo 'hunter2 $HOME' | docker login -u me -p 'hunter2 $HOME'")
  })
  test('String() and JSON never show the value', () => {
    expect(String(secret)).toBe('[REDACTED]')
    expect(`${secret}`).toBe('[REDACTED]')
    expect(JSON.stringify({ secret })).toBe('{"secret":"[REDACTED]"}')
    expect(JSON.stringify(login)).not.toContain('hunter2')
    expect(argv(cmd('x', secret))).toEqual(['x', '[REDACTED]'])
  })
  test('secretsOf finds secrets at any depth', () => {
    const other = new Secret('s2')
    expect(secretsOf(and(login, or(cmd('a'), cmd('b', other))))).toEqual([secret, secret, other])
    expect(secretsOf(cmd('a'))).toEqual([])
  })
})

test('argv refuses operator lists', () => {
  expect(() => argv(pipe(cmd('a'), cmd('b')))).toThrow('argv() needs a simple command, got a pipe list')
})

// Values that broke shell quoting somewhere, plus long and unicode ones.
const NASTY = [
  '',
  ' ',
  "it's",
  '$HOME',
  '`id`',
  '$(id)',
  'a\nb',
  '*',
  '~',
  'name=^x$',
  '{a,b}',
  'ünï',
  '\\',
  "'\\''",
  '-n',
  '--',
  '-e',
  '"quoted"',
  'tab\there',
  ';rm -rf /',
  'a && b',
  '!event',
  '#comment',
  '%s%n',
  '日本語 🚀',
  'x'.repeat(10_000),
  'mix \'single\' "double" `tick` $var \\ back',
]

describe.each(['sh', 'bash', 'dash'])('quoting round-trips through %s', (shell) => {
  test('printf %s reads every value back unchanged', () => {
    for (const value of NASTY) {
      expect(execFileSync(shell, ['-c', `printf '%s' ${quote(value)}`], { encoding: 'utf8' })).toBe(value)
    }
  })
  test('a whole rendered command keeps every argument separate', () => {
    const text = run(cmd('printf', '%s\\0', ...NASTY))
    expect(execFileSync(shell, ['-c', text], { encoding: 'utf8' }).split('\0').slice(0, -1)).toEqual(NASTY)
  })
  test('sh -c <rendered script> nests quoting correctly (the remote form)', () => {
    const inner = run(script('printf "%s|%s" "$1" "$2"', "it's $HOME", '`id`\n'))
    expect(execFileSync(shell, ['-c', `sh -c ${quote(inner)}`], { encoding: 'utf8' })).toBe("it's $HOME|`id`\n")
  })
})
