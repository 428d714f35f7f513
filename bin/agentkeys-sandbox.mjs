#!/usr/bin/env node
// `npx agentkeys-sandbox --no-moto`: the sandbox broker and moto, with flags that reach it without `--`.
// It runs the plain-JavaScript build while that is current (see built.mjs), its TypeScript sources otherwise.
import { pathToFileURL } from 'node:url';
import { builtSandbox, sandboxIsBuilt } from './built.mjs';

const built = sandboxIsBuilt();
if (!built) (await import('tsx/esm/api')).register();
const entry = (name) =>
  import(
    built ? builtSandbox(name) : pathToFileURL(`${import.meta.dirname}/../scripts/sandbox/${name}.ts`).href
  );

const { isBinaryInvocation } = await entry('binary-args');
const argv = process.argv.slice(2);
if (isBinaryInvocation(argv)) {
  // The broker binary's interface (`keygen`, or serving from BROKER_* alone), without loading the sandbox.
  const { runBinary } = await entry('binary');
  process.exitCode = await runBinary(argv, {
    env: process.env,
    err: (line) => process.stderr.write(`${line}\n`),
  });
} else {
  await entry('cli');
}
