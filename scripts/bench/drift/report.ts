// The benchmark's result: machine description, a Markdown table to paste on the checker's reference page,
// and the same numbers as JSON.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Score } from './score.ts';

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  os: string;
  ripgrep: string;
  remarkCli: string;
  remarkValidateLinks: string;
  /** 1-minute load average when the benchmark started: other work on the machine skews every tool. */
  loadAtStart: number;
  loadAtEnd?: number;
}

function version(repo: string, pkg: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(repo, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }
    ).version;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(repo: string, rg: string): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (model?.[1]) cpu = model[1].trim();
  } catch {
    // Not Linux: the os module's model name stands.
  }
  let ripgrep = 'unknown';
  try {
    ripgrep = execFileSync(rg, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? ripgrep;
  } catch {
    // Reported as unknown.
  }
  return {
    nproc: availableParallelism(),
    cpu,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${process.arch}`,
    ripgrep,
    remarkCli: version(repo, 'remark-cli'),
    remarkValidateLinks: version(repo, 'remark-validate-links'),
    loadAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

export interface ToolResult {
  runsMs: number[];
  medianMs: number;
  /** User + system CPU seconds (GNU time): steadier than wall time when the machine is shared. */
  cpuRunsMs: number[];
  cpuMedianMs: number | null;
  score: Omit<Score, 'missed' | 'examples'> & { missed: string[]; examples: string[] };
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

export interface Report {
  version: 1;
  generatedAt: string;
  machine: Machine;
  tree: {
    pages: number;
    codeFiles: number;
    bytes: number;
    seed: number;
    retired: number;
    anchors: number;
    decoys: number;
  };
  runs: number;
  checkerCli: ToolResult;
  /** The same CLI sources loaded through tsx instead of the built checker. */
  checkerTsx: ToolResult;
  /** `--cache`: a first run with no cache file (it writes one) and a second run over the unchanged tree. */
  checkerCache: { cold: ToolResult; warm: ToolResult; sameFindings: boolean };
  /** The same command on a one-page tree: process start, module loading, config. */
  checkerStartup: { medianMs: number; cpuMedianMs: number | null };
  /** The checker as an earlier commit shipped it, timed in the same runs; or why it was not. */
  baseline:
    | {
        ref: string;
        commit: string;
        startup: { medianMs: number; cpuMedianMs: number | null };
        full: ToolResult;
      }
    | { missing: string };
  checkerInProcess: { coldMs: number; warmMedianMs: number; score: ToolResult['score'] } | null;
  remark: ToolResult;
  ripgrep: ToolResult;
  ratios: {
    remarkOverChecker: number;
    checkerOverRipgrep: number;
    remarkOverCheckerCpu: number | null;
    checkerOverRipgrepCpu: number | null;
  };
  scaling: {
    factor: number;
    /** The 1× tree timed again beside the large one. */
    baseMs: number;
    baseCpuMs: number | null;
    pages: number;
    codeFiles: number;
    checker: ToolResult;
    timeRatio: number;
    cpuRatio: number | null;
    /** Time ratio once the one-page start-up cost is taken off both sides. */
    beyondStartupRatio: number | null;
    remarkMs: number | null;
    remarkNote: string;
    ripgrepMs: number;
  } | null;
  targets: Target[];
}

const secs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const times = (x: number) => `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×`;
const n = (x: number) => x.toLocaleString('en-US');
const recall = (s: ToolResult['score'], what: string) => `${s.found}/${s.total} ${what}`;

const cpu = (ms: number | null) => (ms === null ? 'n/a' : secs(ms));
/** CPU time of `a` over that of `b`, when both were measured (GNU time counts in 10 ms steps). */
const cpuOver = (a: ToolResult, b: ToolResult) =>
  a.cpuMedianMs !== null && b.cpuMedianMs !== null && b.cpuMedianMs >= 10
    ? a.cpuMedianMs / b.cpuMedianMs
    : null;
const ratio = (x: number | null) => (x === null ? 'n/a' : times(x));

export function markdown(r: Report): string {
  const m = r.machine;
  const c = r.checkerCli;
  const load = m.loadAtEnd === undefined ? `${m.loadAtStart}` : `${m.loadAtStart} → ${m.loadAtEnd}`;
  const row = (tool: string, looks: string, t: ToolResult, vs: string, what: string) =>
    `| ${tool} | ${looks} | ${secs(t.medianMs)} | ${cpu(t.cpuMedianMs)} | ${vs} | ${recall(t.score, what)} | ${t.score.falseFindings} (${t.score.onDecoys}) |`;
  const lines = [
    `Machine: ${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}; ${m.ripgrep}; remark-cli ${m.remarkCli} + remark-validate-links ${m.remarkValidateLinks}; 1-minute load average ${load}.`,
    `Tree: ${n(r.tree.pages)} pages + ${n(r.tree.codeFiles)} code files (${(r.tree.bytes / 1e6).toFixed(1)} MB), ${r.tree.retired} retired mentions and ${r.tree.anchors} broken anchors planted, ${r.tree.decoys} decoys; seed ${r.tree.seed}; times are medians of ${r.runs} runs.`,
    '',
    '| tool | looks for | wall time | CPU time | checker vs tool (wall / CPU) | recall on plants | false findings (on decoys) |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: |',
    row(
      'drift checker, CLI (`npm run drift`: built JavaScript, plain Node)',
      'retired mentions + anchors, pages and code',
      c,
      '—',
      'plants',
    ),
    row('drift checker, CLI through tsx', 'the same, sources loaded by tsx', r.checkerTsx, '—', 'plants'),
    row(
      'drift checker, `--cache`, first run',
      'the same, writing the cache',
      r.checkerCache.cold,
      '—',
      'plants',
    ),
    row(
      'drift checker, `--cache`, second run',
      'the same tree, unchanged',
      r.checkerCache.warm,
      `${times(c.medianMs / r.checkerCache.warm.medianMs)} / ${ratio(cpuOver(c, r.checkerCache.warm))} faster than cold`,
      'plants',
    ),
    `| drift checker, CLI, one-page tree | start-up alone | ${secs(r.checkerStartup.medianMs)} | ${cpu(r.checkerStartup.cpuMedianMs)} | | | |`,
  ];
  if ('startup' in r.baseline) {
    const b = r.baseline;
    const at = `drift checker at \`${b.ref}\` (run-time bundle)`;
    lines.push(
      row(
        at,
        'the same full check',
        b.full,
        `${times(b.full.medianMs / c.medianMs)} the built checker's time`,
        'plants',
      ),
      `| ${at}, one-page tree | start-up alone | ${secs(b.startup.medianMs)} | ${cpu(b.startup.cpuMedianMs)} | ${times(b.startup.medianMs / r.checkerStartup.medianMs)} the built checker's start-up | | |`,
    );
  }
  if (r.checkerInProcess) {
    const p = r.checkerInProcess;
    lines.push(
      `| drift checker, \`check()\` in-process | same; first call / later calls | ${secs(p.coldMs)} / ${secs(p.warmMedianMs)} | | — | ${recall(p.score, 'plants')} | ${p.score.falseFindings} (${p.score.onDecoys}) |`,
    );
  }
  const q = r.ratios;
  lines.push(
    row(
      'remark-validate-links',
      'anchors in pages',
      r.remark,
      `${times(q.remarkOverChecker)} / ${ratio(q.remarkOverCheckerCpu)} faster`,
      'broken anchors',
    ),
    row(
      'ripgrep',
      'retired strings',
      r.ripgrep,
      `${times(q.checkerOverRipgrep)} / ${ratio(q.checkerOverRipgrepCpu)} slower`,
      'retired mentions',
    ),
  );
  if (r.scaling) {
    const s = r.scaling;
    lines.push(
      '',
      `Scaling: ${n(s.pages)} pages + ${n(s.codeFiles)} code files (${s.factor}×): checker ${secs(s.checker.medianMs)} wall, ${cpu(s.checker.cpuMedianMs)} CPU, against ${secs(s.baseMs)} wall, ${cpu(s.baseCpuMs)} CPU for the 1× tree in the same runs = ${times(s.timeRatio)} / ${ratio(s.cpuRatio)} the time (${ratio(s.beyondStartupRatio)} beyond start-up); ${recall(s.checker.score, 'plants')}, ${s.checker.score.falseFindings} false findings. remark-validate-links: ${s.remarkNote}; ripgrep: ${secs(s.ripgrepMs)}.`,
    );
  }
  lines.push('', '| target | measured | met |', '| --- | --- | :---: |');
  for (const t of r.targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met ? '✓' : '✗'} |`);
  return lines.join('\n');
}

export function targets(r: Omit<Report, 'targets'>): Target[] {
  const c = r.checkerCli.score;
  const q = r.ratios;
  const cpuNote = (x: number | null) => (x === null ? '' : ` (CPU: ${times(x)})`);
  const tsx = r.checkerTsx.medianMs;
  const k = r.checkerCache;
  const cacheRatio = r.checkerCli.medianMs / k.warm.medianMs;
  const list: Target[] = [
    {
      target: 'second run with `--cache` over the unchanged tree ≥ 3× faster than the cold run',
      measured: `${times(cacheRatio)}${cpuNote(cpuOver(r.checkerCli, k.warm))}; findings ${k.sameFindings ? 'identical to' : 'DIFFERENT from'} the cold run's`,
      met: cacheRatio >= 3 && k.sameFindings,
    },
    {
      target: 'cold full check ≥ 20× faster than remark-validate-links',
      measured: `${times(q.remarkOverChecker)} faster${cpuNote(q.remarkOverCheckerCpu)}; through tsx: ${times(r.remark.medianMs / tsx)}`,
      met: q.remarkOverChecker >= 20,
    },
    {
      target: 'full check within 50× of ripgrep',
      measured: `${times(q.checkerOverRipgrep)}${cpuNote(q.checkerOverRipgrepCpu)}; through tsx: ${times(tsx / r.ripgrep.medianMs)}`,
      met: q.checkerOverRipgrep <= 50,
    },
    {
      target: 'every plant and broken anchor found',
      measured: `${c.found}/${c.total}`,
      met: c.found === c.total,
    },
    { target: 'no false finding', measured: String(c.falseFindings), met: c.falseFindings === 0 },
  ];
  if ('startup' in r.baseline) {
    const b = r.baseline;
    const ratio = r.checkerStartup.medianMs / b.startup.medianMs;
    list.push({
      target: `start-up (one-page tree) no slower than the checker at ${b.ref}`,
      measured: `${secs(r.checkerStartup.medianMs)} against ${secs(b.startup.medianMs)} (${times(ratio)} its time)`,
      met: ratio <= 1,
    });
  }
  if (r.scaling) {
    const s = r.scaling;
    list.push(
      {
        target: `${s.factor}× tree ≤ ${(s.factor * 1.1).toFixed(0)}× time`,
        measured: `${times(s.timeRatio)}${cpuNote(s.cpuRatio)}`,
        met: s.timeRatio <= s.factor * 1.1,
      },
      {
        target: `${s.factor}× tree: every plant found, no false finding`,
        measured: `${s.checker.score.found}/${s.checker.score.total}, ${s.checker.score.falseFindings} false`,
        met: s.checker.score.found === s.checker.score.total && s.checker.score.falseFindings === 0,
      },
    );
  }
  return list;
}

export function slimScore(s: Score): ToolResult['score'] {
  return {
    found: s.found,
    total: s.total,
    falseFindings: s.falseFindings,
    onDecoys: s.onDecoys,
    missed: s.missed.slice(0, 20).map((p) => `${p.file}:${p.line} ${p.kind} ${p.match}`),
    examples: s.examples.map((f) => `${f.file}:${f.line} ${f.rule ?? ''} ${f.message ?? ''}`.trim()),
  };
}
