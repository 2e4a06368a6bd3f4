import { defineConfig } from 'vitest/config'

// The benchmark's own unit tests (pure: no sandbox): `npx vitest run -c bench/vitest.config.ts`.
export default defineConfig({ test: { include: ['bench/test/**/*.test.ts'], root: '.' } })
