import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Two projects: `unit` is pure and fast; `e2e` runs against the real sandbox servers,
// which its global setup brings up once and leaves running for the next run.
export default defineConfig({
  // `import … from 'slipway'` in tests and examples means this checkout's sources (tsconfig's paths say the same).
  resolve: { alias: { slipway: fileURLToPath(new URL('./index.ts', import.meta.url)) } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'bench/test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          globalSetup: ['test/support/run-tmpdir.ts'],
          // Some unit tests talk to a local sshd or git; the default 5 s fails them on a loaded machine, not a slow product.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/run-tmpdir.ts', 'test/e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
