// One vitest run covers every part: checker, sandbox, runbooks, pages and the built site.
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import ProcessesFirst from './test/helpers/sequencer.ts';

export default defineConfig({
  test: {
    // A comma-separated AGENTKEYS_TEST_INCLUDE narrows a nested run: the dev-setup test runs the documented
    // `npm test` inside `npm test` on one small suite instead of recursing into the whole suite.
    include: process.env.AGENTKEYS_TEST_INCLUDE?.split(',') ?? ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/fixtures/**'],
    // The drift checker and the sandbox run as built JavaScript (npm run build); tests that spawn them need a fresh build.
    // One site build per run, made on first request and shared through provide/inject.
    globalSetup: ['test/helpers/build.setup.ts', 'test/site/global-setup.ts'],
    setupFiles: ['test/helpers/event-loop.setup.ts'],
    // Without timings from an earlier run, the files that start processes go first (test/helpers/sequencer.ts).
    sequence: { sequencer: ProcessesFirst },
    pool: 'forks',
    // A worker runs file after file with the modules it has loaded, rather than a fresh process per file: on a
    // 2-core machine that took the run from 732 s to 651 s (collecting went from 83 s to 16 s). A file that
    // mocks a module loads what reads it afresh and restores it after (test/drift/unreadable.test.ts).
    isolate: false,
    // One worker per core (vitest's default is one fewer). A third worker on 2 cores made the run 780 s instead
    // of 853 s, but with every core saturated a worker went over vitest's one-minute RPC timeout and the
    // run failed on "Timeout calling onTaskUpdate"; the cap keeps Chromium and moto within a large machine's memory.
    maxWorkers: Math.min(availableParallelism(), 8),
    minWorkers: 1,
    // Generous: a test that waits on a child process must not fail on a busy 2-core machine for time alone.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
