import { execFileSync } from 'node:child_process'
import { expect, test } from 'vitest'

// lib/proxy is the only place that knows the proxy kind (its drivers and their registration);
// lib/config parses and validates `proxy.kind`. Anywhere else, a comparison or a switch on the kind
// would be a second seam that a new kind could fall through silently: ask the driver instead.
const KIND_SWITCH = [
  String.raw`\.proxy\.kind\b`, // reading the configured kind (config.proxy.kind) to decide something
  String.raw`\bkind\s*[!=]==?\s*['"](traefik|caddy)['"]`,
  String.raw`['"](traefik|caddy)['"]\s*[!=]==?\s*\w*\.?kind\b`,
  String.raw`case\s+['"](traefik|caddy)['"]\s*:`,
].join('|')

test('no switch on the proxy kind outside lib/proxy (and lib/config, which parses it)', () => {
  let found = ''
  try {
    found = execFileSync(
      'grep',
      [
        '-rnE',
        KIND_SWITCH,
        'lib',
        'tasks',
        'cli',
        'index.ts',
        'examples',
        'bench',
        '--include=*.ts',
        '--exclude-dir=proxy',
        '--exclude-dir=config',
      ],
      { encoding: 'utf8' },
    )
  } catch (error) {
    if ((error as { status?: number }).status !== 1) throw error // 1: no match
  }
  expect(found).toBe('')
})

test('the check finds a switch where there is one', () => {
  const hits = execFileSync('grep', ['-rnE', KIND_SWITCH, 'lib/config'], { encoding: 'utf8' })
  expect(hits).toMatch(/kind === 'caddy'/)
})
