import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { ConfigError, DeployError } from '../../lib/errors.ts'
import { parseConfig } from '../../lib/config/load.ts'

// A few thousand mutations of valid configs through the loader, in one process: none may crash (an
// error that is not a DeployError), none may hang, and every refusal names file:line:col. The
// mutations are what hands and editors do to a deploy.yml: lines deleted, duplicated, re-indented
// or cut, values of another type, unknown keys, unicode, broken ERB, anchors, aliases and tags.

const FIXTURES = join(import.meta.dirname, '../fixtures/realworld')
// Small real files (one with ERB), and one with anchors, aliases and a merge key.
const ANCHORS = `service: app
image: org/app
servers:
  web: &hosts
    - 10.0.0.1
    - 10.0.0.2
  jobs:
    hosts: *hosts
    cmd: bin/jobs
registry:
  username: user
  password: [KAMAL_REGISTRY_PASSWORD]
env:
  clear: &clear
    A: "1"
  secret: [DB_PASSWORD]
accessories:
  db:
    image: mysql:8
    host: 10.0.0.3
    env:
      clear:
        <<: *clear
        B: <%= ENV["B"] %>
`
const SEEDS = [
  ...['basic-app-1.yml', 'kamal-nextjs.yml', 'time-log.yml', 'hackclub-hackathons-backend.yml'].map((f) =>
    readFileSync(join(FIXTURES, f), 'utf8'),
  ),
  ANCHORS,
]
const MUTATIONS = 2000
/** No single load may take this long: a hang shows as a slow load long before the test's timeout. */
const SLOW_MS = 2000

// Every env variable an ERB tag asks for exists, so a seed loads as it is.
const env = new Proxy({} as Record<string, string>, { get: (_, name) => (typeof name === 'string' ? 'x' : undefined) })

// A small deterministic PRNG (mulberry32): the same mutations every run, so a failure reproduces.
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const VALUES = [
  '',
  '~',
  'null',
  '42',
  '-1',
  '3.5',
  'true',
  'no',
  '[]',
  '{}',
  '[a, b]',
  '{ a: 1 }',
  '"x"',
  "'y'",
  '|',
  '>-',
]
const ODD = [
  'é',
  '日本',
  '🚀',
  '\u0000',
  '\u200b',
  '\t',
  '\r',
  '\\',
  '"',
  "'",
  '#',
  ':',
  '- ',
  '? ',
  '%',
  '@',
  '`',
  '&a',
  '*a',
]
const LINES = [
  'unknown_key: 1',
  '  unknown_nested: 1',
  'anchor: &base { a: 1 }',
  'alias: *base',
  'undefined_alias: *nowhere',
  '<<: *nowhere',
  'merge:\n  <<: *base',
  'web: !!binary aGk=',
  'service: !ruby/object:Foo {}',
  'service: !custom x',
  'servers: !!set { a }',
  'env: !!omap [a: 1]',
  '<%= ENV.fetch("X") %>',
  '<% if true %>',
  '<%= 1 +',
  '<% end %>',
  'key: <%= raise "boom" %>',
  'a: b: c',
  '- item',
  '---',
  '...',
  '%YAML 1.1',
  '{',
  '[',
  '"unterminated',
  'x: "a\\qb"',
  'ssh:\n  keys: [/no/such/key]',
]

type Mutation = (lines: string[], r: () => number) => string[]
const pick = <T>(items: readonly T[], r: () => number): T => items[Math.floor(r() * items.length)]!
const at = (lines: string[], r: () => number): number => Math.floor(r() * Math.max(lines.length, 1))
const MUTATORS: Mutation[] = [
  (l, r) => l.filter((_, i) => i !== at(l, r)),
  (l, r) => {
    const i = at(l, r)
    return [...l.slice(0, i + 1), l[i] ?? '', ...l.slice(i + 1)]
  },
  (l, r) => l.map((line, i, all) => (i === at(all, r) ? `${pick(['  ', ' ', '\t', '    '], r)}${line}` : line)),
  (l, r) => l.map((line, i, all) => (i === at(all, r) ? line.replace(/^\s{1,2}/, '') : line)),
  (l, r) => l.map((line, i, all) => (i === at(all, r) ? line.replace(/:\s.*$/, `: ${pick(VALUES, r)}`) : line)),
  (l, r) => {
    const i = at(l, r)
    const line = l[i] ?? ''
    const cut = Math.floor(r() * (line.length + 1))
    return [...l.slice(0, i), `${line.slice(0, cut)}${pick(ODD, r)}${line.slice(cut)}`, ...l.slice(i + 1)]
  },
  (l, r) => l.slice(0, at(l, r)),
  (l, r) => {
    const text = l.join('\n')
    return text.slice(0, Math.floor(r() * text.length)).split('\n')
  },
  (l, r) => {
    const i = at(l, r)
    const indent = /^\s*/.exec(l[i] ?? '')![0]
    return [...l.slice(0, i), `${indent}${pick(LINES, r)}`, ...l.slice(i)]
  },
  (l, r) => [...l, pick(LINES, r)],
  (l, r) => [pick(LINES, r), ...l],
]

function mutate(seed: string, r: () => number): string {
  let lines = seed.split('\n')
  const times = 1 + Math.floor(r() * 3)
  for (let n = 0; n < times; n++) lines = pick(MUTATORS, r)(lines, r)
  return lines.join('\n')
}

/** How one text fared: loaded, refused with a located message, or a defect (crash, unlocated, slow). */
function outcome(text: string): { kind: 'loaded' | 'refused' | 'defect'; detail: string; ms: number } {
  const start = performance.now()
  try {
    parseConfig(text, { env })
    return { kind: 'loaded', detail: '', ms: performance.now() - start }
  } catch (error) {
    const ms = performance.now() - start
    if (!(error instanceof DeployError))
      return { kind: 'defect', detail: `crash: ${String((error as Error)?.stack ?? error)}`, ms }
    const lines = error.message.split('\n').filter((l) => /^deploy\.yml:/.test(l) || error instanceof ConfigError)
    const unlocated = lines.filter((l) => !/^deploy\.yml:\d+:\d+ /.test(l))
    if (lines.length === 0 || unlocated.length > 0)
      return { kind: 'defect', detail: `not located: ${error.message}`, ms }
    return { kind: 'refused', detail: '', ms }
  }
}

test(`${MUTATIONS} mutated configs: no crash, no hang, every refusal at file:line:col`, { timeout: 120_000 }, () => {
  for (const seed of SEEDS) expect(outcome(seed).kind, 'a seed must load as it is').toBe('loaded')
  const r = random(15)
  const counts = { loaded: 0, refused: 0, defect: 0 }
  // One example of each kind of defect (its message without line numbers and values), not every instance.
  const defects = new Map<string, string>()
  let slowest = 0
  for (let n = 0; n < MUTATIONS; n++) {
    const text = mutate(pick(SEEDS, r), r)
    const result = outcome(text)
    counts[result.kind]++
    slowest = Math.max(slowest, result.ms)
    const kind = result.detail.split('\n')[0]!.replace(/\d+/g, 'N').slice(0, 100)
    if (result.kind === 'defect' && !defects.has(kind)) defects.set(kind, `${result.detail}\n--- input:\n${text}\n---`)
    if (result.ms > SLOW_MS) defects.set(`slow ${n}`, `slow (${Math.round(result.ms)} ms):\n${text}`)
  }
  expect([...defects.values()], JSON.stringify(counts)).toEqual([])
  // Both ends are exercised: mutations that still load, and many refusals.
  expect(counts.loaded).toBeGreaterThan(MUTATIONS / 20)
  expect(counts.refused).toBeGreaterThan(MUTATIONS / 2)
  expect(slowest).toBeLessThan(SLOW_MS)
})
