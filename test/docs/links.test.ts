import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { expect, test } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).flatMap((f) => (f.endsWith('.md') ? [`docs/${f}`] : []))]

/** The text a reader sees as prose: fenced blocks and inline code are not links. */
const prose = (markdown: string): string =>
  markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '')

/** GitHub's anchor for each heading: lower case, punctuation dropped, spaces to `-`, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const found = new Set<string>()
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
  for (const [, heading] of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    found.add(count ? `${slug}-${count}` : slug)
  }
  return found
}

/** Relative links of one page (`[text](target)`, `[ref]: target`), as `page: target` when they do not resolve. */
function brokenLinks(page: string): string[] {
  const text = readFileSync(join(ROOT, page), 'utf8')
  const targets = [
    ...[...prose(text).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s+(\S+)/gm)].map((m) => m[1]!),
  ]
  return targets.flatMap((target) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return [] // http:, https:, mailto:
    const [path, anchor] = target.split('#') as [string, string | undefined]
    const file = path ? resolve(ROOT, dirname(page), decodeURIComponent(path)) : join(ROOT, page)
    if (!file.startsWith(ROOT) || !existsSync(file)) return [`${page}: ${target} (no such file)`]
    if (anchor && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor))
      return [`${page}: ${target} (no heading #${anchor} in ${relative(ROOT, file)})`]
    if (anchor && statSync(file).isDirectory()) return [`${page}: ${target} (an anchor into a folder)`]
    return []
  })
}

test('every relative link in README.md and docs/*.md resolves to a file, and an #anchor to a heading', () => {
  expect(PAGES.flatMap(brokenLinks)).toEqual([])
})

test('README.md stays a two-minute read: under 12 KB', () => {
  expect(statSync(join(ROOT, 'README.md')).size).toBeLessThan(12 * 1024)
})

test('the checker finds a broken link and a missing anchor, and reads headings as GitHub does', () => {
  expect(
    anchors('# The sandbox: real servers on one machine\n## `npx tsx tasks/app.ts SUBCOMMAND`\n## Hooks\n## Hooks'),
  ).toEqual(new Set(['the-sandbox-real-servers-on-one-machine', 'npx-tsx-tasksappts-subcommand', 'hooks', 'hooks-1']))
  expect(prose('see [a](a.md) and `[b](b.md)`\n```\n[c](c.md)\n```\n')).toContain('[a](a.md)')
  expect(prose('see [a](a.md) and `[b](b.md)`\n```\n[c](c.md)\n```\n')).not.toMatch(/b\.md|c\.md/)
})
