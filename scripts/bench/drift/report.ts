// The benchmark's result: machine description, a Markdown table to paste on the checker's reference page,
// and the same numbers as JSON.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, totalmem } from 'node:os';
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
  };
}

export interface ToolResult {
  runsMs: number[];
  medianMs: number;
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
  checkerInProcess: { coldMs: number; warmMedianMs: number; score: ToolResult['score'] } | null;
  remark: ToolResult;
  ripgrep: ToolResult;
  ratios: { remarkOverChecker: number; checkerOverRipgrep: number };
  scaling: {
    factor: number;
    pages: number;
    codeFiles: number;
    checkerMedianMs: number;
    timeRatio: number;
    checkerScore: ToolResult['score'];
    remarkMs: number | null;
    ripgrepMs: number;
  } | null;
  targets: Target[];
}

const secs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const times = (x: number) => `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}×`;
const n = (x: number) => x.toLocaleString('en-US');
const recall = (s: ToolResult['score'], what: string) => `${s.found}/${s.total} ${what}`;

export function markdown(r: Report): string {
  const m = r.machine;
  const lines = [
    `Machine: ${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB RAM, ${m.os}, Node ${m.node}; ${m.ripgrep}; remark-cli ${m.remarkCli} + remark-validate-links ${m.remarkValidateLinks}.`,
    `Tree: ${n(r.tree.pages)} pages + ${n(r.tree.codeFiles)} code files (${(r.tree.bytes / 1e6).toFixed(1)} MB), ${r.tree.retired} retired mentions and ${r.tree.anchors} broken anchors planted, ${r.tree.decoys} decoys; seed ${r.tree.seed}; wall time is the median of ${r.runs} runs.`,
    '',
    '| tool | looks for | wall time | checker vs tool | recall on plants | false findings (on decoys) |',
    '| --- | --- | ---: | ---: | --- | ---: |',
    `| drift checker, CLI | retired mentions + anchors, pages and code | ${secs(r.checkerCli.medianMs)} | — | ${recall(r.checkerCli.score, 'plants')} | ${r.checkerCli.score.falseFindings} (${r.checkerCli.score.onDecoys}) |`,
  ];
  if (r.checkerInProcess) {
    const c = r.checkerInProcess;
    lines.push(
      `| drift checker, \`check()\` in-process | same, first call / later calls | ${secs(c.coldMs)} / ${secs(c.warmMedianMs)} | — | ${recall(c.score, 'plants')} | ${c.score.falseFindings} (${c.score.onDecoys}) |`,
    );
  }
  lines.push(
    `| remark-validate-links | anchors in pages | ${secs(r.remark.medianMs)} | ${times(r.ratios.remarkOverChecker)} faster | ${recall(r.remark.score, 'broken anchors')} | ${r.remark.score.falseFindings} (${r.remark.score.onDecoys}) |`,
    `| ripgrep | retired strings | ${secs(r.ripgrep.medianMs)} | ${times(r.ratios.checkerOverRipgrep)} slower | ${recall(r.ripgrep.score, 'retired mentions')} | ${r.ripgrep.score.falseFindings} (${r.ripgrep.score.onDecoys}) |`,
  );
  if (r.scaling) {
    const s = r.scaling;
    lines.push(
      '',
      `Scaling: ${n(s.pages)} pages + ${n(s.codeFiles)} code files (${s.factor}×): checker ${secs(s.checkerMedianMs)} = ${times(s.timeRatio)} the time, ${recall(s.checkerScore, 'plants')}, ${s.checkerScore.falseFindings} false; remark ${s.remarkMs === null ? 'not run' : secs(s.remarkMs)}; ripgrep ${secs(s.ripgrepMs)}.`,
    );
  }
  lines.push('', '| target | measured | met |', '| --- | --- | :---: |');
  for (const t of r.targets) lines.push(`| ${t.target} | ${t.measured} | ${t.met ? '✓' : '✗'} |`);
  return lines.join('\n');
}

export function targets(r: Omit<Report, 'targets'>): Target[] {
  const c = r.checkerCli.score;
  const list: Target[] = [
    {
      target: 'full check ≥ 20× faster than remark-validate-links',
      measured: `${times(r.ratios.remarkOverChecker)} faster`,
      met: r.ratios.remarkOverChecker >= 20,
    },
    {
      target: 'full check within 50× of ripgrep',
      measured: `${times(r.ratios.checkerOverRipgrep)}`,
      met: r.ratios.checkerOverRipgrep <= 50,
    },
    {
      target: 'every plant and broken anchor found',
      measured: `${c.found}/${c.total}`,
      met: c.found === c.total,
    },
    { target: 'no false finding', measured: String(c.falseFindings), met: c.falseFindings === 0 },
  ];
  if (r.scaling) {
    list.push({
      target: `${r.scaling.factor}× tree ≤ ${(r.scaling.factor * 1.1).toFixed(0)}× time`,
      measured: times(r.scaling.timeRatio),
      met: r.scaling.timeRatio <= r.scaling.factor * 1.1,
    });
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
