// Runs each tool on a generated tree as a child process and turns its output into (file, line) findings.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Manifest } from './generate.ts';

export interface Finding {
  file: string;
  line: number;
  rule?: string;
  message?: string;
}

export interface Timed {
  ms: number;
  /** User + system CPU time of the tool and its children, when GNU time is there to measure it. */
  cpuMs: number | null;
  findings: Finding[];
}

export class ToolError extends Error {
  constructor(
    message: string,
    readonly timedOut = false,
  ) {
    super(message);
  }
}

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const live = new Set<ChildProcess>();

/** Ends every child still running (each was started in its own process group). */
export function killChildren(): void {
  for (const child of live) {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  live.clear();
}

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  cpuMs: number | null;
}

let timeFiles = 0;

/** GNU time's last line in its output file: `<user s> <system s>`. */
function readCpu(file: string | null): number | null {
  if (!file) return null;
  try {
    const last = readFileSync(file, 'utf8').trim().split('\n').pop() ?? '';
    rmSync(file, { force: true });
    const [user, system] = last.split(' ').map(Number);
    return user === undefined || system === undefined || Number.isNaN(user + system)
      ? null
      : (user + system) * 1000;
  } catch {
    return null;
  }
}

function exec(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Exec> {
  return new Promise((done, fail) => {
    const timeFile = GNU_TIME ? join(tmpdir(), `drift-bench-time-${process.pid}-${timeFiles++}`) : null;
    const argv = timeFile ? ['-f', '%U %S', '-o', timeFile, cmd, ...args] : args;
    const started = performance.now();
    const child = spawn(timeFile ? (GNU_TIME as string) : cmd, argv, {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    live.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      live.delete(child);
      fail(new ToolError(`${cmd} could not start: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      live.delete(child);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const cpuMs = readCpu(timeFile);
      if (timedOut)
        fail(new ToolError(`${cmd} did not finish within ${Math.round(timeoutMs / 1000)} s`, true));
      else if (signal) fail(new ToolError(`${cmd} was stopped by ${signal}`));
      else done({ code: code ?? 0, stdout, stderr, ms, cpuMs });
    });
  });
}

const toPosix = (p: string) => p.split(sep).join('/');

export interface Tools {
  repo: string;
  tsx: string;
  bin: string;
  remark: string;
  remarkPlugin: string;
  rg: string;
  timeoutMs: number;
}

export function findTools(repo: string, timeoutMs: number): Tools {
  const tools: Tools = {
    repo,
    tsx: join(repo, 'node_modules/.bin/tsx'),
    bin: join(repo, 'bin/agentkeys-drift.mjs'),
    remark: join(repo, 'node_modules/.bin/remark'),
    remarkPlugin: join(repo, 'node_modules/remark-validate-links/index.js'),
    rg: existsSync('/usr/bin/rg') ? '/usr/bin/rg' : 'rg',
    timeoutMs,
  };
  for (const [what, path] of [
    ['tsx', tools.tsx],
    ['the drift checker’s bin', tools.bin],
    ['remark-cli', tools.remark],
    ['remark-validate-links', tools.remarkPlugin],
  ] as const) {
    if (!existsSync(path)) throw new ToolError(`${what} is missing (${path}); run npm install`);
  }
  return tools;
}

/**
 * The checker's CLI as `npm run drift` runs it (minus npm): the package's bin, which runs the checker built
 * by `npm run build` on plain Node; full check of the tree, JSON report. With `viaTsx`, the same sources
 * loaded through tsx; with `cache`, the run keeps its results in that file (`--cache-location`).
 */
export async function runCheckerCli(t: Tools, root: string, viaTsx = false, cache?: string): Promise<Timed> {
  const flags = ['--root', root, '--format', 'json', ...(cache ? ['--cache-location', cache] : [])];
  const r = viaTsx
    ? await exec(t.tsx, [join(t.repo, 'scripts/drift/cli.ts'), ...flags], root, t.timeoutMs)
    : await exec(process.execPath, [t.bin, ...flags], root, t.timeoutMs);
  if (r.code !== 0 && r.code !== 1) {
    throw new ToolError(`drift checker exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 600)}`);
  }
  return { ms: r.ms, cpuMs: r.cpuMs, findings: parseCheckerJson(r.stdout, root, root) };
}

/** `npm run build`, untimed, then one run of the bin: what is timed is the current sources, built. */
export async function buildChecker(t: Tools): Promise<void> {
  const built = await exec(process.execPath, [join(t.repo, 'scripts/build.mjs')], t.repo, 120_000);
  if (built.code !== 0) throw new ToolError(`npm run build failed: ${built.stderr.trim().slice(0, 600)}`);
  const r = await exec(process.execPath, [t.bin, '--help'], t.repo, 120_000);
  if (r.code !== 0) throw new ToolError(`the drift bin exited ${r.code}: ${r.stderr.trim().slice(0, 600)}`);
}

export function parseCheckerJson(stdout: string, cwd: string, root: string): Finding[] {
  let doc: { findings?: { file: string; line: number; rule: string; message: string }[] };
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new ToolError(`drift checker did not print one JSON document: ${stdout.slice(0, 300)}`);
  }
  return (doc.findings ?? []).map((f) => ({
    file: toPosix(relative(root, isAbsolute(f.file) ? f.file : resolve(cwd, f.file))),
    line: f.line,
    rule: f.rule,
    message: f.message,
  }));
}

export interface InProcess {
  coldMs: number;
  warmMs: number[];
  findings: Finding[];
}

/** `check()` called in a fresh Node process: the first call pays module and renderer set-up, later ones do not. */
export async function runCheckerInProcess(t: Tools, root: string, runs: number): Promise<InProcess> {
  const script = join(t.repo, 'scripts/bench/drift/inprocess.ts');
  const r = await exec(t.tsx, [script, root, String(runs)], root, t.timeoutMs);
  if (r.code !== 0)
    throw new ToolError(`in-process check failed (${r.code}): ${r.stderr.trim().slice(0, 600)}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  const doc = JSON.parse(last) as { coldMs: number; warmMs: number[]; stdout: string };
  return { coldMs: doc.coldMs, warmMs: doc.warmMs, findings: parseCheckerJson(doc.stdout, root, root) };
}

/** remark-cli + remark-validate-links over the same pages; repository:false keeps it offline and git-free. */
export async function runRemark(
  t: Tools,
  root: string,
  m: Manifest,
  timeoutMs = t.timeoutMs,
): Promise<Timed> {
  const r = await exec(
    t.remark,
    [
      '--use',
      `${t.remarkPlugin}=repository:false`,
      '--quiet',
      '--frail',
      '--no-stdout',
      '--no-color',
      '--no-config',
      '--no-ignore',
      m.docsDir,
    ],
    root,
    timeoutMs,
  );
  if (r.code !== 0 && r.code !== 1) throw new ToolError(`remark exited ${r.code}: ${r.stderr.slice(0, 600)}`);
  return { ms: r.ms, cpuMs: r.cpuMs, findings: parseRemark(r.stderr) };
}

/** vfile-reporter output: a file name line, then `line:col-line:col warning message …` lines under it. */
export function parseRemark(report: string): Finding[] {
  const findings: Finding[] = [];
  let file = '';
  for (const raw of report.split('\n')) {
    const pos = /^\s*(\d+):(\d+)(?:-\d+:\d+)?\s+(warning|error)\s+(.*)$/.exec(raw);
    if (pos && file) {
      findings.push({ file, line: Number(pos[1]), rule: 'remark-validate-links', message: pos[4] });
    } else if (/^\S.*\.md$/.test(raw.trim()) && !raw.startsWith(' ')) {
      file = toPosix(raw.trim());
    }
  }
  return findings;
}

/** ripgrep for the retired strings as fixed strings, over the same scanned folders. */
export async function runRipgrep(t: Tools, root: string, m: Manifest): Promise<Timed> {
  const args = [
    '-n',
    '-F',
    '--no-heading',
    '--with-filename',
    '--color',
    'never',
    '-g',
    '!docs/reference/**',
  ];
  for (const s of m.retiredStrings) args.push('-e', s);
  args.push(m.docsDir, ...m.codeDirs);
  const r = await exec(t.rg, args, root, t.timeoutMs);
  if (r.code > 1) throw new ToolError(`rg exited ${r.code}: ${r.stderr.slice(0, 300)}`);
  const findings: Finding[] = [];
  for (const line of r.stdout.split('\n')) {
    const hit = /^(.+?):(\d+):/.exec(line);
    if (hit) findings.push({ file: toPosix(hit[1] as string), line: Number(hit[2]) });
  }
  return { ms: r.ms, cpuMs: r.cpuMs, findings };
}

export interface Baseline {
  ref: string;
  commit: string;
  dir: string;
  bin: string;
}

/**
 * The checker as an earlier commit shipped it, unpacked beside the current one: its own sources and bin, the
 * current node_modules linked entry by entry (so whatever it caches at run time stays in its own folder).
 * Null, with the reason, when the clone's history lacks the commit.
 */
export function prepareBaseline(t: Tools, ref: string): Baseline | { missing: string } {
  let commit: string;
  try {
    commit = execFileSync('git', ['-C', t.repo, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return { missing: `${ref} is not in this clone's history (a shallow clone? git fetch --unshallow)` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'drift-bench-baseline-'));
  const archive = join(dir, 'source.tar');
  execFileSync('git', ['-C', t.repo, 'archive', '--format=tar', '-o', archive, commit]);
  execFileSync('tar', ['-xf', archive, '-C', dir]);
  rmSync(archive);
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(t.repo, 'node_modules'))) {
    if (entry === '.cache') continue;
    symlinkSync(join(t.repo, 'node_modules', entry), join(modules, entry));
  }
  return { ref, commit, dir, bin: join(dir, 'bin/agentkeys-drift.mjs') };
}

/** The baseline's bin on a tree, as its `npm run drift` ran it; the first call also warms its run-time cache. */
export async function runBaselineCli(t: Tools, b: Baseline, root: string): Promise<Timed> {
  const r = await exec(process.execPath, [b.bin, '--root', root, '--format', 'json'], root, t.timeoutMs);
  if (r.code !== 0 && r.code !== 1) {
    throw new ToolError(
      `the checker at ${b.ref} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 600)}`,
    );
  }
  return { ms: r.ms, cpuMs: r.cpuMs, findings: parseCheckerJson(r.stdout, root, root) };
}
