// Child of the benchmark: calls the checker's programmatic `check()` on a tree several times in one
// process and prints one JSON line with the first (cold) and later (warm) durations and the findings.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface CheckResult {
  findings: { file: string; line: number; rule: string; message: string }[];
}

const [root, runsArg] = process.argv.slice(2);
if (!root) {
  process.stderr.write('usage: tsx scripts/bench/drift/inprocess.ts <tree> [runs]\n');
  process.exit(2);
}
const runs = Math.max(1, Number(runsArg ?? 3));
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// Resolved at run time so that the benchmark type-checks on its own.
const entry = pathToFileURL(join(repo, 'scripts/drift/index.ts')).href;
const { check } = (await import(entry)) as { check: (options: { root: string }) => Promise<CheckResult> };

const durations: number[] = [];
let last: CheckResult = { findings: [] };
for (let i = 0; i < runs + 1; i++) {
  const started = performance.now();
  last = await check({ root: resolve(root) });
  durations.push(performance.now() - started);
}
const [coldMs, ...warmMs] = durations;
process.stdout.write(
  `${JSON.stringify({ coldMs, warmMs, stdout: JSON.stringify({ findings: last.findings }) })}\n`,
);
