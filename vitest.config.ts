import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Workflow and e2e suites each start a real Temporal dev server; run files one at a time on 2 cores.
    fileParallelism: false,
    pool: 'forks',
  },
});
