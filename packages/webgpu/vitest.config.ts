import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // llvmpipe runs the shaders on the CPU: minutes when the machine is busy.
    testTimeout: 300_000,
    pool: 'forks',
  },
});
