import { execFileSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { and, cmd, render, Secret, secretsOf } from '../../lib/shell/command.ts'
import { template } from '../../lib/shell/template.ts'

// The tagged template of custom tasks: the literal text is shell, values become quoted words.
// Round trips through the real shells a server may have as /bin/sh prove the quoting.
const SHELLS = [
  ['sh', ['-c']],
  ['dash', ['-c']],
  ['bash', ['-c']],
  ['busybox', ['sh', '-c']],
] as const

const HOSTILE = [
  "it's",
  '"double" $HOME `id` $(id) ${PATH}',
  'back\\slash \\n \\',
  'new\nline',
  '* ? [a-z] ~ ~root',
  '',
  ' leading and trailing ',
  '-n',
  '; rm -rf / #',
  '&& echo pwned || true | cat > /tmp/x &',
  'tab\there',
  'ünïcödé ✓',
  "'",
  '\'"\'"',
]

// `printf '<%s>\n' …` shows every word the shell passed, so a split, a glob or an expansion shows up.
const words = (shell: readonly [string, readonly string[]], text: string): string =>
  execFileSync(shell[0], [...shell[1], text], { encoding: 'utf8', cwd: '/' })
const expected = (values: readonly string[]): string => values.map((v) => `<${v}>\n`).join('')

describe('template quoting through real shells', () => {
  test.each(SHELLS)('%s: each hostile value arrives as one word, byte for byte', (...shell) => {
    for (const value of HOSTILE) {
      const text = render(template`printf '<%s>\n' ${value}`, { redact: false })
      expect(words(shell, text), JSON.stringify(value)).toBe(expected([value]))
    }
  })

  test.each(SHELLS)('%s: arrays expand to one word per element; an empty array to none', (...shell) => {
    const text = render(template`printf '<%s>\n' first ${HOSTILE} ${[]} ${[['nested', '']]} last`, { redact: false })
    expect(words(shell, text)).toBe(expected(['first', ...HOSTILE, 'nested', '', 'last']))
  })

  test.each(SHELLS)(
    '%s: values next to literal text stay one word with it; shell syntax in the text works',
    (...shell) => {
      const text = render(template`x=${'a b'}; printf '<%s>\n' "$x" --name=${"it's"} ${42} | sort`, {
        redact: false,
      })
      expect(words(shell, text)).toBe(expected(["--name=it's", '42', 'a b'].sort()))
    },
  )
})

describe('template as a Command', () => {
  test('secrets are quoted for the shell and [REDACTED] everywhere else', () => {
    const command = template`docker login -p ${new Secret("pa$$ 'w'")} ${'registry'}`
    expect(render(command, { redact: true })).toBe("docker login -p '[REDACTED]' registry")
    expect(render(command, { redact: false })).toBe(`docker login -p 'pa$$ '\\''w'\\''' registry`)
    expect(secretsOf(command).map((s) => s.value)).toEqual(["pa$$ 'w'"])
  })

  test('an output is its stdout without the final newline', () => {
    expect(render(template`echo ${{ stdout: 'abc123\n' }}`, { redact: true })).toBe('echo abc123')
  })

  test('inside a list it is braced on its own line, so a trailing & or comment keeps its meaning', () => {
    const text = render(and(template`sleep 0 & # background`, cmd('printf', 'after')), { redact: false })
    expect(text).toBe('{ sleep 0 & # background\n} && printf after')
    expect(words(SHELLS[1], text)).toBe('after')
  })

  test('anything else is refused', () => {
    // @ts-expect-error undefined is not a TemplateValue
    expect(() => template`echo ${undefined}`).toThrow('a shell template takes strings, numbers, secrets, outputs')
  })
})
