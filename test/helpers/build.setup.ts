// vitest globalSetup: `npm run build` once per test run, so every test that runs `npm run drift`, the drift
// package's bin or the sandbox's bin runs the current sources as the build turns them out.
// @ts-expect-error: a plain JavaScript module without type declarations.
import { buildAll } from '../../scripts/build.mjs';

export default async function setup(): Promise<void> {
  await buildAll();
}
