// vitest setupFiles: after every test the worker returns to its event loop once. Tests that are synchronous
// run back to back on microtasks alone, and a worker that never reaches its event loop cannot read vitest's
// replies: on a busy machine a long enough run of them ends in "Timeout calling onTaskUpdate".
import { setImmediate } from 'node:timers/promises';
import { afterEach } from 'vitest';

afterEach(async () => {
  await setImmediate();
});
