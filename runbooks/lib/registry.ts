// Finds the runbooks: every folder under runbooks/ (except lib) with an index.ts exporting `runbook`.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from './plan.ts';
import type { RunbookDefinition } from './step.ts';

export const RUNBOOKS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function runbookNames(): string[] {
  return readdirSync(RUNBOOKS_DIR, { withFileTypes: true })
    .filter(
      (d) => d.isDirectory() && d.name !== 'lib' && existsSync(path.join(RUNBOOKS_DIR, d.name, 'index.ts')),
    )
    .map((d) => d.name)
    .sort();
}

export async function loadRunbook(name: string): Promise<RunbookDefinition> {
  if (!runbookNames().includes(name)) {
    throw new UsageError(`unknown runbook "${name}"; known: ${runbookNames().join(', ') || 'none'}`);
  }
  const mod = (await import(pathToFileURL(path.join(RUNBOOKS_DIR, name, 'index.ts')).href)) as {
    runbook: RunbookDefinition;
  };
  return mod.runbook;
}
