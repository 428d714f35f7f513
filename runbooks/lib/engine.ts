// The runner: resolves the target, runs the planned steps with timeouts, explains failures, writes reports.
import { destroyAwsClients } from './aws.ts';
import { createContext, type RunContext } from './context.ts';
import { runSteps, seconds, useListr } from './display.ts';
import { readSettings } from './env.ts';
import { type Selection, selectSteps, UsageError } from './plan.ts';
import { redact, registerSecret } from './redact.ts';
import { type StepReport, writeReport } from './report.ts';
import { type RunbookDefinition, type StepDefinition, StepError } from './step.ts';
import { resolveTarget, type Target } from './target.ts';

export interface RunOptions extends Selection {
  runbook: RunbookDefinition;
  target?: string;
  dryRun?: boolean;
  yes?: boolean;
  report?: string;
  timeoutSeconds?: number;
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export const DEFAULT_STEP_TIMEOUT_S = 120;

/** Environment variables whose values are secrets wherever they come from. */
export const SECRET_ENV = [
  'AGENTKEYS_SESSION_JWT',
  'AGENTKEYS_WALLET_PRIVATE_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
] as const;

class Interrupted extends Error {}
class TimedOut extends Error {}

/** What can stop a run from outside, and how the step it stopped is described. */
const STOPS = {
  SIGINT: 'interrupted (Ctrl-C)',
  SIGTERM: 'stopped by SIGTERM',
  SIGHUP: 'stopped: the terminal was closed (SIGHUP)',
  EPIPE: 'stopped: the output pipe was closed',
} as const;
type StopCause = keyof typeof STOPS;

interface Failure {
  step: StepDefinition;
  message: string;
  hint?: string;
  anchor: string;
  exitCode: 1 | 2 | 130;
}

function resumeCommand(opts: RunOptions, target: Target | undefined, from: string, last?: string): string {
  const parts = ['npm run runbook --', opts.runbook.name, '--from', from];
  // A run limited by --to or --step stays limited when resumed.
  const to = opts.to || opts.step ? last : undefined;
  if (to && to !== from) parts.push('--to', to);
  if (target?.kind === 'broker' || (opts.target && opts.target !== 'sandbox')) {
    parts.push('--target', target?.label ?? (opts.target as string));
  }
  if (opts.yes) parts.push('--yes');
  if (opts.timeoutSeconds) parts.push('--timeout', String(opts.timeoutSeconds));
  if (opts.report) parts.push('--report', opts.report);
  return parts.join(' ');
}

export async function run(opts: RunOptions): Promise<number> {
  // Every line passes redaction, whoever receives it.
  const out = (line: string) => (opts.out ?? ((l: string) => process.stdout.write(`${l}\n`)))(redact(line));
  const err = (line: string) => (opts.err ?? ((l: string) => process.stderr.write(`${l}\n`)))(redact(line));
  const runbook = opts.runbook;
  const startedAt = new Date();
  const timeoutMs = (opts.timeoutSeconds ?? DEFAULT_STEP_TIMEOUT_S) * 1000;
  const settings = readSettings(opts.env ?? process.env);
  // Secrets handed in through the environment are hidden from the first line on, not only once a step reads them.
  for (const name of SECRET_ENV) registerSecret((opts.env ?? process.env)[name]);
  const plan = selectSteps(runbook, opts);

  let target: Target | undefined;
  let ctx: RunContext | undefined;
  let current: AbortController | undefined;
  let interrupted: Interrupted | undefined;
  // A second stop does not wait for the clean-up: moto goes with this process (see scripts/sandbox/moto.ts).
  const stop = (cause: StopCause) => {
    if (interrupted && cause !== 'EPIPE') process.exit(130);
    interrupted ??= new Interrupted(STOPS[cause]);
    current?.abort(interrupted);
  };
  const unwatch = watchStops(stop);

  const reports: StepReport[] = [];
  let failure: Failure | undefined;
  try {
    target = await resolveTarget(opts.target, settings);
    const mutating = plan.filter((s) => s.mutates && !s.skipsOn?.(settings, target as Target));
    if (target.kind !== 'sandbox' && !opts.yes && !opts.dryRun && mutating.length > 0) {
      const list = mutating.map((s) => `${s.id} (${s.title})`).join(', ');
      throw new UsageError(
        `steps ${list} change state on ${target.label}; re-run with --yes to apply them, or with --dry-run to see the plan`,
      );
    }
    const secretKeys = new Set(runbook.steps.flatMap((s) => s.secrets ?? []));
    ctx = createContext({
      runbook: runbook.name,
      page: runbook.page,
      target,
      settings,
      secretKeys,
      plan,
      dryRun: Boolean(opts.dryRun),
      yes: Boolean(opts.yes),
      print: out,
    });
    const where = target.kind === 'sandbox' ? `the sandbox (${target.brokerUrl})` : target.brokerUrl;
    out(`${runbook.title} on ${where}${opts.dryRun ? ' — dry run, nothing is changed' : ''}`);

    if (opts.dryRun) {
      await printPlan(ctx, plan, out);
      for (const step of plan) {
        reports.push(report(step, 'skipped', 0, 'dry run: nothing was executed'));
      }
      return 0;
    }

    const runCtx = ctx;
    const finished = new Map<string, StepReport>();
    const exec = async (step: StepDefinition, log: (line: string) => void): Promise<StepReport> => {
      const result = await execute(step, log);
      finished.set(step.id, result);
      return result;
    };
    const execute = async (step: StepDefinition, log: (line: string) => void): Promise<StepReport> => {
      const began = Date.now();
      for (const key of step.needs) {
        if (!runCtx.values.has(key)) {
          const producer = runbook.steps.find((s) => s.produces.includes(key));
          const prior = finished.get(producer?.id ?? '');
          return report(
            step,
            'skipped',
            0,
            `needs ${key} from step ${producer?.id}, which was skipped`,
            prior,
          );
        }
      }
      const controller = new AbortController();
      current = controller;
      if (interrupted) controller.abort(interrupted);
      const timer = setTimeout(() => controller.abort(new TimedOut()), timeoutMs);
      const stopped = new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      // A step that outlives its timeout must not print after its own status line.
      let open = true;
      try {
        const stepCtx: RunContext = {
          ...runCtx,
          signal: controller.signal,
          log: (line) => open && log(redact(line)),
          broker: (method, path, o = {}) =>
            runCtx.broker(method, path, { ...o, signal: o.signal ?? controller.signal }),
        };
        const outcome = await Promise.race([step.run(stepCtx), stopped]);
        return report(step, outcome?.status ?? 'passed', Date.now() - began, outcome?.reason);
      } catch (error) {
        const reason = controller.signal.reason ?? error;
        failure = explain(step, reason, timeoutMs);
        return { ...report(step, 'failed', Date.now() - began), error: redact(failure.message) };
      } finally {
        open = false;
        clearTimeout(timer);
        current = undefined;
      }
    };
    reports.push(...(await runSteps(plan, exec, out, !opts.out && useListr())));
    return failure?.exitCode ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`runbook: ${error.message}`);
      return 2;
    }
    if (error instanceof StepError) {
      err(`runbook: ${error.message}${error.hint ? `\n  Likely cause: ${error.hint}` : ''}`);
      return error.exitCode;
    }
    err(`runbook: unexpected error: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  } finally {
    unwatch();
    for (const step of plan) {
      if (reports.some((r) => r.id === step.id)) continue;
      const why = failure ? `not run: step ${failure.step.id} failed` : 'not run';
      reports.push(report(step, 'skipped', 0, why));
    }
    if (failure && ctx) {
      err('');
      err(`✖ Step ${failure.step.id} (${failure.step.title}) failed: ${failure.message}`);
      err(
        `  Likely cause: ${failure.hint ?? 'the check this step makes did not hold; its section explains it'}`,
      );
      err(`  Read: ${ctx.docs(failure.anchor)}`);
      err(`  Resume: ${resumeCommand(opts, target, failure.step.id, plan.at(-1)?.id)}`);
    } else if (ctx && !opts.dryRun) {
      const count = (s: string) => reports.filter((r) => r.status === s).length;
      out(
        `${runbook.name}: ${reports.length} steps — ${count('passed')} passed, ${count('changed')} changed, ` +
          `${count('skipped')} skipped in ${seconds(Date.now() - startedAt.getTime())}`,
      );
    }
    if (opts.report && ctx) {
      await writeReport(opts.report, {
        runbook: runbook.name,
        target: target?.label ?? opts.target ?? 'sandbox',
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
        steps: runbook.steps.flatMap((s) => reports.filter((r) => r.id === s.id)),
      });
    }
    await ctx?.finish();
    destroyAwsClients(ctx?.aws);
    await target?.release();
  }
}

/**
 * Calls `stop` for Ctrl-C, SIGTERM, SIGHUP, and when nobody reads stdout any more (`… | head -1`), for as
 * long as the run lasts. Without the pipe handler a closed pipe ends the process with an EPIPE error.
 */
function watchStops(stop: (cause: StopCause) => void): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (signal: NodeJS.Signals) => stop(signal as StopCause);
  const onPipe = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') stop('EPIPE');
  };
  for (const signal of signals) process.on(signal, onSignal);
  process.stdout.on('error', onPipe);
  process.stderr.on('error', onPipe);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
    process.stdout.off('error', onPipe);
    process.stderr.off('error', onPipe);
  };
}

function report(
  step: StepDefinition,
  status: StepReport['status'],
  durationMs: number,
  reason?: string,
  prior?: StepReport,
): StepReport {
  const why = prior?.reason && status === 'skipped' && reason ? `${reason} (${prior.reason})` : reason;
  return { id: step.id, title: step.title, status, durationMs, reason: why ?? null, error: null };
}

function explain(step: StepDefinition, error: unknown, timeoutMs: number): Failure {
  if (error instanceof Interrupted) {
    return {
      step,
      message: error.message,
      hint: 'the run was stopped from outside; what it started has been stopped, resume when ready',
      anchor: step.doc,
      exitCode: 130,
    };
  }
  if (error instanceof TimedOut) {
    return {
      step,
      message: `did not finish within ${timeoutMs / 1000}s`,
      hint: 'a call hung: the broker or AWS is slow or unreachable (raise --timeout if this is expected)',
      anchor: step.doc,
      exitCode: 1,
    };
  }
  if (error instanceof StepError) {
    return {
      step,
      message: error.message,
      hint: error.hint,
      anchor: error.anchor ?? step.doc,
      exitCode: error.exitCode,
    };
  }
  const message = (error as Error)?.message ?? String(error);
  return { step, message, hint: 'an unexpected error in the step script', anchor: step.doc, exitCode: 1 };
}

async function printPlan(ctx: RunContext, plan: readonly StepDefinition[], out: (line: string) => void) {
  for (const step of plan) {
    const io = [
      step.needs.length ? `needs ${step.needs.join(', ')}` : '',
      step.produces.length ? `produces ${step.produces.join(', ')}` : '',
    ].filter(Boolean);
    out(
      `${step.id} ${step.title}${step.mutates ? ' [changes state]' : ''}${io.length ? ` — ${io.join('; ')}` : ''}`,
    );
    if (!step.mutates) continue;
    let lines = [...(step.changes ?? [])];
    if (step.plan) {
      try {
        lines = await step.plan(ctx);
      } catch (error) {
        lines.push(`(live comparison unavailable: ${(error as Error).message})`);
      }
    }
    for (const line of lines) out(`    would: ${line}`);
  }
}
