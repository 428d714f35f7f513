// `npm run bench:drift`: the drift checker against remark-validate-links and ripgrep on one generated
// tree, side by side in one run. Progress goes to stderr; the Markdown table to stdout; JSON to
// artifacts/bench/drift.json.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateTree, type Manifest, type PlantRule } from './generate.ts';
import { describeMachine, markdown, type Report, slimScore, type ToolResult, targets } from './report.ts';
import {
  type Baseline,
  buildChecker,
  findTools,
  killChildren,
  prepareBaseline,
  runBaselineCli,
  runCheckerCli,
  runCheckerInProcess,
  runRemark,
  runRipgrep,
  type Timed,
  ToolError,
  type Tools,
} from './runners.ts';
import { median, type Score, score } from './score.ts';

// The last commit of main whose `npm run drift` bundled the TypeScript sources at run time (an esbuild cache
// plus loader hooks); the built checker that replaced it must start no slower.
const BASELINE = '4d31fd8';

const USAGE = `usage: npm run bench:drift -- [--scale N] [--runs N] [--pages N] [--code N] [--seed N]
                            [--remark-at-scale] [--no-in-process] [--keep] [--out FILE]
  --scale N   also time a tree N times the size (N ≥ 2) and report the time ratio
  --remark-at-scale  also run remark-validate-links once on the large tree (slow: minutes)
  --runs N    timed runs per tool; the median is reported (default 3)
  --pages N   Markdown pages in the base tree (default 2000); --code N code files (default 2000)
  --baseline REF  also time the checker as commit REF shipped it, side by side (default: ${BASELINE},
              the last commit whose npm run drift bundled the sources at run time); --no-baseline skips it
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

interface Series {
  wall: number[];
  cpu: number[];
  last?: Timed;
}

const series = (): Series => ({ wall: [], cpu: [] });

async function once(
  label: string,
  i: number,
  runs: number,
  into: Series,
  run: () => Promise<Timed>,
): Promise<Timed> {
  const result = await run();
  into.wall.push(result.ms);
  if (result.cpuMs !== null) into.cpu.push(result.cpuMs);
  into.last = result;
  const cpu = result.cpuMs === null ? '' : ` (CPU ${(result.cpuMs / 1000).toFixed(2)} s)`;
  log(
    `  ${label} run ${i}/${runs}: ${(result.ms / 1000).toFixed(2)} s${cpu}, ${result.findings.length} findings`,
  );
  return result;
}

function summarize(s: Series, sc: Score): ToolResult {
  return {
    runsMs: s.wall,
    medianMs: median(s.wall),
    cpuRunsMs: s.cpu,
    cpuMedianMs: s.cpu.length > 0 ? median(s.cpu) : null,
    score: slimScore(sc),
  };
}

/** GNU time counts in 10 ms steps: below that a ratio means nothing. */
const cpuRatio = (a: number | null, b: number | null) => (a !== null && b !== null && b >= 10 ? a / b : null);

const BOTH: PlantRule[] = ['retired-reference', 'dead-link'];

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
      'remark-at-scale': { type: 'boolean', default: false },
      'no-in-process': { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'no-baseline': { type: 'boolean', default: false },
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
  const { plants, decoys } = manifest;
  // The same command on a one-page tree: what every run pays before it reads a file.
  const tiny = mkdtempSync(join(tmpdir(), 'drift-bench-'));
  dirs.push(tiny);
  generateTree(tiny, { pages: 1, codeFiles: 0, seed });
  await buildChecker(tools);
  let baseline: Baseline | null = null;
  let baselineMissing: string | null = null;
  if (!values['no-baseline']) {
    const prepared = prepareBaseline(tools, values.baseline ?? BASELINE);
    if ('missing' in prepared) {
      baselineMissing = prepared.missing;
      log(`baseline skipped: ${prepared.missing}`);
    } else {
      baseline = prepared;
      dirs.push(prepared.dir);
      // Untimed, like the build above: the first run writes the baseline's run-time bundle.
      await runBaselineCli(tools, prepared, tiny);
    }
  }
  const startup = series();
  const baselineStartup = series();
  const baselineFull = series();
  const checker = series();
  const cacheCold = series();
  const cacheWarm = series();
  const cacheDir = mkdtempSync(join(tmpdir(), 'drift-bench-cache-'));
  dirs.push(cacheDir);
  const cacheFile = join(cacheDir, 'drift-cache.json');
  let cacheSame = true;
  const viaTsx = series();
  const remark = series();
  const rg = series();
  // Interleaved so that a busy moment on the machine hits every tool alike.
  for (let i = 1; i <= runs; i++) {
    await once('drift checker, one-page tree', i, runs, startup, () => runCheckerCli(tools, tiny));
    if (baseline) {
      const b = baseline;
      await once(`drift checker at ${b.ref}, one-page tree`, i, runs, baselineStartup, () =>
        runBaselineCli(tools, b, tiny),
      );
    }
    const cold = await once('drift checker', i, runs, checker, () => runCheckerCli(tools, root));
    if (baseline) {
      const b = baseline;
      await once(`drift checker at ${b.ref}`, i, runs, baselineFull, () => runBaselineCli(tools, b, root));
    }
    // --cache: a first run with no cache (it writes one), then a second run over the unchanged tree.
    rmSync(cacheFile, { force: true });
    await once('drift checker --cache, first run', i, runs, cacheCold, () =>
      runCheckerCli(tools, root, false, cacheFile),
    );
    const warm = await once('drift checker --cache, second run', i, runs, cacheWarm, () =>
      runCheckerCli(tools, root, false, cacheFile),
    );
    cacheSame &&= JSON.stringify(warm.findings) === JSON.stringify(cold.findings);
    await once('drift checker through tsx', i, runs, viaTsx, () => runCheckerCli(tools, root, true));
    await once('remark-validate-links', i, runs, remark, () => runRemark(tools, root, manifest));
    await once('ripgrep', i, runs, rg, () => runRipgrep(tools, root, manifest));
  }
  const checkerCli = summarize(checker, score(plants, decoys, checker.last?.findings ?? [], BOTH, true));
  const remarkResult = summarize(
    remark,
    score(plants, decoys, remark.last?.findings ?? [], ['dead-link'], false),
  );
  const rgResult = summarize(
    rg,
    score(plants, decoys, rg.last?.findings ?? [], ['retired-reference'], false),
  );

  let inProcess: Report['checkerInProcess'] = null;
  if (!values['no-in-process']) {
    const ip = await runCheckerInProcess(tools, root, runs);
    const warm = ip.warmMs.map((x) => (x / 1000).toFixed(2)).join(', ');
    log(`  check() in-process: first ${(ip.coldMs / 1000).toFixed(2)} s, later ${warm} s`);
    const sc = slimScore(score(plants, decoys, ip.findings, BOTH, true));
    inProcess = { coldMs: ip.coldMs, warmMedianMs: median(ip.warmMs), score: sc };
  }
  const startupMs = median(startup.wall);
  let scaling: Report['scaling'] = null;
  if (scale) {
    const big = makeTree(pages * scale, code * scale, seed);
    const base = series();
    const bigChecker = series();
    const bigRg = series();
    // The 1× tree again, run by run beside the large one, so both sizes see the same machine load.
    for (let i = 1; i <= runs; i++) {
      await once('drift checker 1×', i, runs, base, () => runCheckerCli(tools, root));
      await once(`drift checker ${scale}×`, i, runs, bigChecker, () => runCheckerCli(tools, big.root));
      await once(`ripgrep ${scale}×`, i, runs, bigRg, () => runRipgrep(tools, big.root, big.manifest));
    }
    let remarkMs: number | null = null;
    let remarkNote = 'not run (--remark-at-scale runs it once)';
    if (values['remark-at-scale']) {
      const limit = 10 * 60_000;
      try {
        remarkMs = (await runRemark(tools, big.root, big.manifest, limit)).ms;
        remarkNote = `${(remarkMs / 1000).toFixed(1)} s`;
      } catch (e) {
        if (!(e instanceof ToolError && e.timedOut)) throw e;
        remarkNote = `did not finish within ${limit / 1000} s`;
      }
      log(`  remark-validate-links ${scale}×: ${remarkNote}`);
    }
    const big1 = summarize(
      bigChecker,
      score(big.manifest.plants, big.manifest.decoys, bigChecker.last?.findings ?? [], BOTH, true),
    );
    const baseMs = median(base.wall);
    const baseCpu = base.cpu.length > 0 ? median(base.cpu) : null;
    scaling = {
      factor: scale,
      baseMs,
      baseCpuMs: baseCpu,
      pages: pages * scale,
      codeFiles: code * scale,
      checker: big1,
      timeRatio: big1.medianMs / baseMs,
      cpuRatio: cpuRatio(big1.cpuMedianMs, baseCpu),
      beyondStartupRatio: baseMs > startupMs ? (big1.medianMs - startupMs) / (baseMs - startupMs) : null,
      remarkMs,
      remarkNote,
      ripgrepMs: median(bigRg.wall),
    };
    if (!keep) rmSync(big.root, { recursive: true, force: true });
  }
  if (!keep) rmSync(root, { recursive: true, force: true });

  const partial: Omit<Report, 'targets'> = {
    version: 1,
    generatedAt: new Date().toISOString(),
    machine: { ...machine, loadAtEnd: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
    tree: {
      pages,
      codeFiles: code,
      bytes: manifest.bytes,
      seed,
      retired: plants.filter((p) => p.rule === 'retired-reference').length,
      anchors: plants.filter((p) => p.rule === 'dead-link').length,
      decoys: decoys.length,
    },
    runs,
    checkerCli,
    checkerTsx: summarize(viaTsx, score(plants, decoys, viaTsx.last?.findings ?? [], BOTH, true)),
    checkerStartup: { medianMs: startupMs, cpuMedianMs: startup.cpu.length > 0 ? median(startup.cpu) : null },
    baseline: baseline
      ? {
          ref: baseline.ref,
          commit: baseline.commit,
          startup: {
            medianMs: median(baselineStartup.wall),
            cpuMedianMs: baselineStartup.cpu.length > 0 ? median(baselineStartup.cpu) : null,
          },
          full: summarize(baselineFull, score(plants, decoys, baselineFull.last?.findings ?? [], BOTH, true)),
        }
      : { missing: baselineMissing ?? 'skipped (--no-baseline)' },
    checkerCache: {
      cold: summarize(cacheCold, score(plants, decoys, cacheCold.last?.findings ?? [], BOTH, true)),
      warm: summarize(cacheWarm, score(plants, decoys, cacheWarm.last?.findings ?? [], BOTH, true)),
      sameFindings: cacheSame,
    },
    checkerInProcess: inProcess,
    remark: remarkResult,
    ripgrep: rgResult,
    ratios: {
      remarkOverChecker: remarkResult.medianMs / checkerCli.medianMs,
      checkerOverRipgrep: checkerCli.medianMs / rgResult.medianMs,
      remarkOverCheckerCpu: cpuRatio(remarkResult.cpuMedianMs, checkerCli.cpuMedianMs),
      checkerOverRipgrepCpu: cpuRatio(checkerCli.cpuMedianMs, rgResult.cpuMedianMs),
    },
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
      // One line, as the checker itself does; DRIFT_DEBUG=1 adds the stack for whoever debugs the bench.
      log(`bench:drift: internal error: ${e instanceof Error ? e.message : String(e)}`);
      if (process.env.DRIFT_DEBUG && e instanceof Error && e.stack) log(e.stack);
      process.exitCode = 1;
    }
  });
