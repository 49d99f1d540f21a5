import { defineConfig } from 'vitest/config';

// The end-to-end test drives headless Chromium over the built dist/ (`pnpm test:e2e` builds first).
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
