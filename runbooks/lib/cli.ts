// `npm run runbook -- list` and `npm run runbook -- <runbook> [flags]`: the runbook runner's command line.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgsError, type FlagSpecs, parseFlags } from '../../scripts/lib/args.ts';
import { run } from './engine.ts';
import { UsageError } from './plan.ts';
import { redact } from './redact.ts';
import { loadRunbook, runbookNames } from './registry.ts';
import { reportFormat } from './report.ts';
import { restore } from './restore.ts';

export const USAGE = `Usage:
  npm run runbook -- list
  npm run runbook -- <runbook> [--target sandbox|<broker URL>] [--step ID] [--from ID] [--to ID]
                               [--dry-run] [--yes] [--report FILE.json|FILE.xml] [--timeout SECONDS]
  npm run runbook -- <runbook> --restore BACKUP [--target sandbox|<broker URL>] [--dry-run] [--yes]

  --target    sandbox (default: reuse a running \`npm run sandbox\` or start one) or a broker URL
  --step      run one step, after the steps that produce what it needs
  --from/--to run a range of steps (their producers run first)
  --dry-run   show the plan and what the state-changing steps would change
  --yes       allow state-changing steps against anything but the sandbox
  --report    write a JSON or JUnit XML report (secrets redacted)
  --timeout   seconds each step may take (default 120)
  --restore   put back the documents a step saved before changing them (the path it printed)
Exit codes: 0 passed, 1 a step failed, 2 usage or preflight error,
            130 stopped from outside (Ctrl-C, SIGTERM, SIGHUP, or nobody reads the output any more).`;

const FLAGS: FlagSpecs = {
  target: { type: 'string' },
  step: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  report: { type: 'string' },
  timeout: { type: 'string' },
  restore: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export interface CliIo {
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

async function list(out: (line: string) => void): Promise<void> {
  for (const name of runbookNames()) {
    const runbook = await loadRunbook(name);
    out(`${name} — ${runbook.title}`);
    for (const step of runbook.steps) {
      out(`  ${step.id} ${step.slug.padEnd(20)} ${step.title}${step.mutates ? ' [changes state]' : ''}`);
    }
  }
}

export async function main(argv: string[] = process.argv.slice(2), io: CliIo = {}): Promise<number> {
  const out = io.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  try {
    const parsed = parseFlags(argv, FLAGS, {
      allowPositionals: true,
      env: io.env ?? process.env,
      bin: 'agentkeys-runbook',
      command: true,
    });
    const values = parsed.values as {
      [K in 'target' | 'step' | 'from' | 'to' | 'report' | 'timeout' | 'restore']?: string;
    } & { 'dry-run'?: boolean; yes?: boolean; help?: boolean };
    const positionals = parsed.positionals;
    if (values.help) {
      out(USAGE);
      return 0;
    }
    const [command, ...extra] = positionals;
    if (!command) throw new UsageError('name a runbook, or `list`');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (command === 'list') {
      await list(out);
      return 0;
    }
    const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
    if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
      throw new UsageError(`--timeout needs a positive number of seconds, got "${values.timeout}"`);
    }
    if (values.restore !== undefined) {
      const clash = (['step', 'from', 'to', 'report'] as const).find((flag) => values[flag] !== undefined);
      if (clash) throw new UsageError(`--restore cannot be combined with --${clash}`);
      return await restore({
        runbook: await loadRunbook(command),
        file: values.restore,
        target: values.target,
        dryRun: values['dry-run'],
        yes: values.yes,
        timeoutSeconds: timeout,
        env: io.env,
        out: io.out,
        err: io.err,
      });
    }
    if (values.report && !reportFormat(values.report)) {
      throw new UsageError(`--report must end in .json or .xml, got "${values.report}"`);
    }
    return await run({
      runbook: await loadRunbook(command),
      target: values.target,
      step: values.step,
      from: values.from,
      to: values.to,
      dryRun: values['dry-run'],
      yes: values.yes,
      report: values.report,
      timeoutSeconds: timeout,
      env: io.env,
      out: io.out,
      err: io.err,
    });
  } catch (error) {
    if (error instanceof UsageError || error instanceof ArgsError) {
      const usage = error instanceof ArgsError && !error.showUsage ? '' : `\n\n${USAGE}`;
      err(`runbook: ${error.message}${usage}`);
      return 2;
    }
    err(`runbook: unexpected error: ${redact((error as Error)?.message ?? String(error))}`);
    return 1;
  }
}

/** True when `metaUrl` is the module node was asked to run (not one imported by it). */
export function isMain(metaUrl: string): boolean {
  const entry = process.argv[1];
  return Boolean(entry) && fileURLToPath(metaUrl) === path.resolve(entry as string);
}

/** Ends the process once stdout is flushed, with the runner's exit code. */
export function exitWith(code: number): void {
  process.exitCode = code;
  // Open handles (keep-alive sockets, a stopped sandbox's timers) must not hold the exit code hostage.
  setTimeout(() => process.exit(code), 200).unref();
}

/**
 * Last line of defence: an error nothing caught still ends as one redacted line, never a stack trace; and
 * output nobody reads any more (`… | head -1`) is dropped instead of crashing the process (the run itself
 * stops on it, see engine.ts).
 */
export function installCrashHandlers(): void {
  const dropClosedPipe = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  };
  process.stdout.on('error', dropClosedPipe);
  process.stderr.on('error', dropClosedPipe);
  const crash = (error: unknown) => {
    process.stderr.write(
      `runbook: unexpected error: ${redact((error as Error)?.message ?? String(error))}\n`,
    );
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

if (isMain(import.meta.url)) {
  installCrashHandlers();
  main().then(exitWith);
}
