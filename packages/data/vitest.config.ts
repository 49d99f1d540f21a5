import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      // Resolve the kernels' PRNG from source so tests do not depend on a kernels build.
      '@lers/kernels/random': fileURLToPath(new URL('../kernels/src/random/xoshiro.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
