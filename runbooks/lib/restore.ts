// `npm run runbook -- <runbook> --restore <backup>`: hands a backup a step saved back to that step's
// restore(), on the target and AWS account it was taken on, asking for --yes off the sandbox as a run does.
import { destroyAwsClients } from './aws.ts';
import { createContext, type RunContext } from './context.ts';
import { readSettings } from './env.ts';
import { UsageError } from './plan.ts';
import { redact, registerSecret } from './redact.ts';
import { BackupError, readBackup } from './run-state.ts';
import { type RunbookDefinition, StepError } from './step.ts';
import { resolveTarget, type Target } from './target.ts';

export interface RestoreOptions {
  runbook: RunbookDefinition;
  file: string;
  target?: string;
  dryRun?: boolean;
  yes?: boolean;
  timeoutSeconds?: number;
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

/** Exit codes as a run's: 0 done or nothing to do, 1 a document could not be put back, 2 usage. */
export async function restore(opts: RestoreOptions): Promise<number> {
  const out = (line: string) => (opts.out ?? ((l: string) => process.stdout.write(`${l}\n`)))(redact(line));
  const err = (line: string) => (opts.err ?? ((l: string) => process.stderr.write(`${l}\n`)))(redact(line));
  const env = opts.env ?? process.env;
  const settings = readSettings(env);
  for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) registerSecret(env[name]);
  let target: Target | undefined;
  let ctx: RunContext | undefined;
  try {
    const backup = await readBackup(opts.file);
    if (backup.runbook !== opts.runbook.name) {
      throw new UsageError(`${opts.file} is a backup of runbook ${backup.runbook}, not ${opts.runbook.name}`);
    }
    const step = opts.runbook.steps.find((s) => s.id === backup.step);
    if (!step?.restore) {
      throw new UsageError(`step ${backup.step} of ${opts.runbook.name} has no restore`);
    }
    target = await resolveTarget(opts.target, settings);
    if (target.label !== backup.target) {
      throw new UsageError(
        `${opts.file} was taken on ${backup.target}, not ${target.label}: add --target ${backup.target}`,
      );
    }
    if (target.kind !== 'sandbox' && !opts.yes && !opts.dryRun) {
      throw new UsageError(
        `restoring changes AWS for ${target.label}; re-run with --yes to apply it, or with --dry-run to see it`,
      );
    }
    ctx = createContext({
      runbook: opts.runbook.name,
      page: opts.runbook.page,
      target,
      settings,
      secretKeys: new Set(),
      plan: [step],
      dryRun: Boolean(opts.dryRun),
      yes: Boolean(opts.yes),
      print: out,
    });
    ctx.signal = AbortSignal.timeout((opts.timeoutSeconds ?? 120) * 1000);
    out(
      `Restore of step ${step.id} (${step.title}) from ${opts.file}, taken ${backup.takenAt}` +
        `${opts.dryRun ? ' — dry run, nothing is changed' : ''}`,
    );
    const outcome = await step.restore(ctx, backup);
    const status = outcome?.status ?? 'passed';
    out(
      `${status === 'changed' ? '●' : '✔'} restore: ${status}${outcome?.reason ? ` — ${outcome.reason}` : ''}`,
    );
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof BackupError) {
      err(`runbook: ${error.message}`);
      return 2;
    }
    const stepError = error instanceof StepError ? error : undefined;
    err(`✖ restore failed: ${(error as Error)?.message ?? String(error)}`);
    if (stepError?.hint) err(`  Likely cause: ${stepError.hint}`);
    if (stepError?.anchor && ctx) err(`  Read: ${ctx.docs(stepError.anchor)}`);
    return stepError?.exitCode ?? 1;
  } finally {
    destroyAwsClients(ctx?.aws);
    await target?.release();
  }
}
