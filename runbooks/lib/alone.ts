// Lets a step file run by itself: `npx tsx runbooks/<runbook>/<file>.ts [flags]` = `--step <id>` in the runner.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main as cli, exitWith, installCrashHandlers, isMain } from './cli.ts';

export { isMain };

/** Runs the step defined in `metaUrl`'s file, after the steps producing what it needs. */
export async function runAlone(metaUrl: string): Promise<void> {
  installCrashHandlers();
  const file = fileURLToPath(metaUrl);
  const runbook = path.basename(path.dirname(file));
  const step = path.basename(file, '.ts');
  exitWith(await cli([runbook, '--step', step, ...process.argv.slice(2)]));
}
