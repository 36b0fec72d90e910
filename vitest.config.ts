import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Time limits catch hangs, not slowness: the integration suites start services, SoftHSM and
    // child processes, and on a loaded two-core machine a healthy walkthrough can take most of a
    // minute. Speed is measured in `npm run bench`, never by a test's time limit.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
