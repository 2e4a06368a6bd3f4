import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { referenceMarkdown } from '../../lib/config/docs.ts'

test('docs/config.md carries the current generated key reference', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/config.md'), 'utf8')
  expect(doc.endsWith(referenceMarkdown())).toBe(true)
  expect(referenceMarkdown()).toContain('| `ssh.verify_host_key` | `accept-new` \\| `always` \\| `never` |')
})
