import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The end-to-end tests spawn `node dist/main.js`: build it first when src/ is newer.
    globalSetup: ['test/global-setup.ts'],
    // Two shared cores: files run one at a time (each spawns CLI processes itself).
    fileParallelism: false,
  },
});
