import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{api,activities,workflows,workers,providers,db,lib,scripts}/**/*.test.ts', 'test/**/*.test.ts', 'dashboard/src/**/*.test.ts'],
    exclude: ['**/node_modules/**', '.tools/**', '.data/**', 'dashboard/build/**', 'dashboard/.svelte-kit/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: one test file per core; each file talks to the shared Postgres and Temporal dev server.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
