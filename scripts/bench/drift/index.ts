// `npm run bench:drift`: the drift checker against remark-validate-links and ripgrep on one generated
// tree, side by side in one run. Progress goes to stderr; the Markdown table to stdout; JSON to
// artifacts/bench/drift.json.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateTree, type Manifest } from './generate.ts';
import { describeMachine, markdown, type Report, slimScore, targets } from './report.ts';
import {
  findTools,
  killChildren,
  runCheckerCli,
  runCheckerInProcess,
  runRemark,
  runRipgrep,
  type Timed,
  ToolError,
  type Tools,
} from './runners.ts';
import { median, score } from './score.ts';

const USAGE = `usage: npm run bench:drift -- [--scale N] [--runs N] [--pages N] [--code N] [--seed N]
                            [--no-remark-at-scale] [--no-in-process] [--keep] [--out FILE]
  --scale N   also time a tree N times the size (N ≥ 2) and report the time ratio
  --runs N    timed runs per tool; the median is reported (default 3)
  --pages N   Markdown pages in the base tree (default 2000); --code N code files (default 2000)
  --keep      keep the generated trees and print where they are`;

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const dirs: string[] = [];
let keep = false;

function cleanup(): void {
  killChildren();
  if (keep) return;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`\n${signal}: stopping the tools and removing the generated trees`);
    cleanup();
    process.exit(130);
  });
}

function positiveInt(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new ToolError(`--${name} must be a whole number ≥ ${min}, got "${value}"`);
  return n;
}

function makeTree(pages: number, codeFiles: number, seed: number): { root: string; manifest: Manifest } {
  const root = mkdtempSync(join(tmpdir(), 'drift-bench-'));
  dirs.push(root);
  const started = performance.now();
  const manifest = generateTree(root, { pages, codeFiles, seed });
  log(
    `generated ${pages} pages + ${codeFiles} code files (${(manifest.bytes / 1e6).toFixed(1)} MB, ${manifest.plants.length} plants, ${manifest.decoys.length} decoys) in ${Math.round(performance.now() - started)} ms${keep ? ` at ${root}` : ''}`,
  );
  return { root, manifest };
}

async function timed(
  label: string,
  runs: number,
  once: () => Promise<Timed>,
): Promise<{ runsMs: number[]; last: Timed }> {
  const runsMs: number[] = [];
  let last: Timed | undefined;
  for (let i = 0; i < runs; i++) {
    last = await once();
    runsMs.push(last.ms);
    log(
      `  ${label} run ${i + 1}/${runs}: ${(last.ms / 1000).toFixed(2)} s, ${last.findings.length} findings`,
    );
  }
  return { runsMs, last: last as Timed };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      scale: { type: 'string' },
      runs: { type: 'string' },
      pages: { type: 'string' },
      code: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'no-remark-at-scale': { type: 'boolean', default: false },
      'no-in-process': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  keep = values.keep ?? false;
  const runs = positiveInt('runs', values.runs, 3);
  const pages = positiveInt('pages', values.pages, 2000, 10);
  const code = positiveInt('code', values.code, 2000, 4);
  const seed = positiveInt('seed', values.seed, 1, 0);
  const scale = values.scale === undefined ? null : positiveInt('scale', values.scale, 10, 2);
  const out = resolve(values.out ?? join(repo, 'artifacts/bench/drift.json'));
  if (!existsSync(join(repo, 'scripts/drift/cli.ts'))) {
    throw new ToolError('the drift checker is missing (scripts/drift/cli.ts); nothing to benchmark');
  }
  const tools: Tools = findTools(repo, 15 * 60_000);
  const machine = describeMachine(repo, tools.rg);

  const { root, manifest } = makeTree(pages, code, seed);
  const all = manifest.plants;
  const cli = await (async () => {
    const acc = { checker: [] as number[], remark: [] as number[], rg: [] as number[] };
    let last: { checker?: Timed; remark?: Timed; rg?: Timed } = {};
    // Interleaved so that a busy moment on the machine hits every tool alike.
    for (let i = 0; i < runs; i++) {
      const c = await timed('drift checker', 1, () => runCheckerCli(tools, root));
      const r = await timed('remark-validate-links', 1, () => runRemark(tools, root, manifest));
      const g = await timed('ripgrep', 1, () => runRipgrep(tools, root, manifest));
      acc.checker.push(...c.runsMs);
      acc.remark.push(...r.runsMs);
      acc.rg.push(...g.runsMs);
      last = { checker: c.last, remark: r.last, rg: g.last };
    }
    return { acc, last: last as Required<typeof last> };
  })();

  const checkerScore = score(
    all,
    manifest.decoys,
    cli.last.checker.findings,
    ['retired-reference', 'dead-link'],
    true,
  );
  const remarkScore = score(all, manifest.decoys, cli.last.remark.findings, ['dead-link'], false);
  const rgScore = score(all, manifest.decoys, cli.last.rg.findings, ['retired-reference'], false);

  let inProcess: Report['checkerInProcess'] = null;
  if (!values['no-in-process']) {
    const ip = await runCheckerInProcess(tools, root, runs);
    log(
      `  check() in-process: first ${(ip.coldMs / 1000).toFixed(2)} s, later ${ip.warmMs.map((x) => (x / 1000).toFixed(2)).join(', ')} s`,
    );
    const s = score(all, manifest.decoys, ip.findings, ['retired-reference', 'dead-link'], true);
    inProcess = { coldMs: ip.coldMs, warmMedianMs: median(ip.warmMs), score: slimScore(s) };
  }
  if (!keep) rmSync(root, { recursive: true, force: true });

  const checkerMs = median(cli.acc.checker);
  const remarkMs = median(cli.acc.remark);
  const rgMs = median(cli.acc.rg);

  let scaling: Report['scaling'] = null;
  if (scale) {
    const big = makeTree(pages * scale, code * scale, seed);
    const c = await timed(`drift checker ${scale}×`, runs, () => runCheckerCli(tools, big.root));
    const g = await timed(`ripgrep ${scale}×`, runs, () => runRipgrep(tools, big.root, big.manifest));
    let remarkBig: number | null = null;
    if (!values['no-remark-at-scale']) {
      remarkBig = (
        await timed(`remark-validate-links ${scale}×`, 1, () => runRemark(tools, big.root, big.manifest))
      ).runsMs[0] as number;
    }
    const s = score(
      big.manifest.plants,
      big.manifest.decoys,
      c.last.findings,
      ['retired-reference', 'dead-link'],
      true,
    );
    scaling = {
      factor: scale,
      pages: pages * scale,
      codeFiles: code * scale,
      checkerMedianMs: median(c.runsMs),
      timeRatio: median(c.runsMs) / checkerMs,
      checkerScore: slimScore(s),
      remarkMs: remarkBig,
      ripgrepMs: median(g.runsMs),
    };
    if (!keep) rmSync(big.root, { recursive: true, force: true });
  }

  const partial: Omit<Report, 'targets'> = {
    version: 1,
    generatedAt: new Date().toISOString(),
    machine,
    tree: {
      pages,
      codeFiles: code,
      bytes: manifest.bytes,
      seed,
      retired: all.filter((p) => p.rule === 'retired-reference').length,
      anchors: all.filter((p) => p.rule === 'dead-link').length,
      decoys: manifest.decoys.length,
    },
    runs,
    checkerCli: { runsMs: cli.acc.checker, medianMs: checkerMs, score: slimScore(checkerScore) },
    checkerInProcess: inProcess,
    remark: { runsMs: cli.acc.remark, medianMs: remarkMs, score: slimScore(remarkScore) },
    ripgrep: { runsMs: cli.acc.rg, medianMs: rgMs, score: slimScore(rgScore) },
    ratios: { remarkOverChecker: remarkMs / checkerMs, checkerOverRipgrep: checkerMs / rgMs },
    scaling,
  };
  const report: Report = { ...partial, targets: targets(partial) };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  for (const missed of report.checkerCli.score.missed) log(`  missed: ${missed}`);
  for (const example of report.checkerCli.score.examples) log(`  false finding: ${example}`);
  process.stdout.write(`${markdown(report)}\n`);
  log(`\nwrote ${relative(process.cwd(), out) || out}`);
  return 0;
}

main()
  .then((code) => {
    cleanup();
    process.exitCode = code;
  })
  .catch((e: unknown) => {
    cleanup();
    if (
      e instanceof ToolError ||
      (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      log(`bench:drift: ${e.message}\n${USAGE}`);
      process.exitCode = 2;
    } else {
      log(`bench:drift: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exitCode = 1;
    }
  });
