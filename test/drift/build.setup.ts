// vitest globalSetup: builds the drift checker once per test run, so every test that runs `npm run drift`
// or the package's bin runs the current sources as `npm run build` turns them out.
// @ts-expect-error: a plain JavaScript module without type declarations.
import { buildChecker } from '../../scripts/build.mjs';

export default async function setup(): Promise<void> {
  await buildChecker();
}
