#!/usr/bin/env node
// `npx agentkeys-sandbox --no-moto`: the sandbox broker and moto, with flags that reach it without `--`.
import { register } from 'tsx/esm/api';

register();
const { isBinaryInvocation } = await import('../scripts/sandbox/binary-args.ts');
const argv = process.argv.slice(2);
if (isBinaryInvocation(argv)) {
  // The broker binary's interface (`keygen`, or serving from BROKER_* alone), without loading the sandbox.
  const { runBinary } = await import('../scripts/sandbox/binary.ts');
  process.exitCode = await runBinary(argv, {
    env: process.env,
    err: (line) => process.stderr.write(`${line}\n`),
  });
} else {
  await import('../scripts/sandbox/cli.ts');
}
