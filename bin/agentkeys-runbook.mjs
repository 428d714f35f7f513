#!/usr/bin/env node
// `npx agentkeys-runbook stage7 --dry-run`: the runbook runner, with flags that reach it without `--`.
// TypeScript loads in this process (no tsx parent), so signals and exit codes are the runner's own.
import { register } from 'tsx/esm/api';

register();
const { main, exitWith, installCrashHandlers } = await import('../runbooks/lib/cli.ts');
installCrashHandlers();
exitWith(await main(process.argv.slice(2)));
