#!/usr/bin/env node
// `npx agentkeys-sandbox --no-moto`: the sandbox broker and moto, with flags that reach it without `--`.
import { register } from 'tsx/esm/api';

register();
await import('../scripts/sandbox/cli.ts');
