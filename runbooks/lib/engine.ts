// The runner, in three parts each testable alone: plan (target, --yes guard, context), execute (the steps,
// with timeouts and stops from outside) and finish (explanation or summary, report, clean-up). `run` joins
// them and owns the process's output for the whole run.
import { destroyAwsClients } from './aws.ts';
import { createContext, type RunContext } from './context.ts';
import { runSteps, seconds, useListr } from './display.ts';
import { readSettings } from './env.ts';
import { capture, directWriters } from './output.ts';
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

/** Where the runner's own lines go; both redact. */
export interface RunIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const DEFAULT_STEP_TIMEOUT_S = 120;

/** Environment variables whose values are secrets wherever they come from. */
export const SECRET_ENV = [
  'AGENTKEYS_SESSION_JWT',
  'AGENTKEYS_WALLET_PRIVATE_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
] as const;

class TimedOut extends Error {}

/** What can stop a run from outside, and how the step it stopped is described. */
const STOPS = {
  SIGINT: 'interrupted (Ctrl-C)',
  SIGTERM: 'stopped by SIGTERM',
  SIGHUP: 'stopped: the terminal was closed (SIGHUP)',
  EPIPE: 'stopped: the output pipe was closed',
} as const;
export type StopCause = keyof typeof STOPS;

export class Interrupted extends Error {}

/** A stop from outside, remembered for the rest of the run and passed to the step that is running. */
export class Stops {
  reason: Interrupted | undefined;
  #current: AbortController | undefined;

  stop(cause: StopCause): void {
    this.reason ??= new Interrupted(STOPS[cause]);
    this.#current?.abort(this.reason);
  }

  /** The step now running; a stop that came earlier aborts it at once. */
  attach(controller: AbortController | undefined): void {
    this.#current = controller;
    if (controller && this.reason) controller.abort(this.reason);
  }
}

export interface Failure {
  step: StepDefinition;
  message: string;
  hint?: string;
  anchor: string;
  exitCode: 1 | 2 | 130;
}

/** What `plan` decided: the steps, the target they run against and the context they share. */
export interface RunPlan {
  opts: RunOptions;
  steps: readonly StepDefinition[];
  target: Target;
  ctx: RunContext;
  timeoutMs: number;
}

/** What `execute` did: one report per step that ran or was skipped, and the failure that ended it, if any. */
export interface Execution {
  reports: StepReport[];
  failure?: Failure;
}

function resumeCommand(opts: RunOptions, target: Target, from: string, last?: string): string {
  const parts = ['npm run runbook --', opts.runbook.name, '--from', from];
  // A run limited by --to or --step stays limited when resumed.
  const to = opts.to || opts.step ? last : undefined;
  if (to && to !== from) parts.push('--to', to);
  if (target.kind === 'broker' || (opts.target && opts.target !== 'sandbox'))
    parts.push('--target', target.label);
  if (opts.yes) parts.push('--yes');
  if (opts.timeoutSeconds) parts.push('--timeout', String(opts.timeoutSeconds));
  if (opts.report) parts.push('--report', opts.report);
  return parts.join(' ');
}

/**
 * Resolves the target (starting the sandbox if needed), refuses state-changing steps off the sandbox without
 * --yes, and builds the shared context. Throws UsageError or StepError; a target it started is stopped then.
 */
export async function plan(
  opts: RunOptions,
  steps: readonly StepDefinition[],
  print: (line: string) => void,
): Promise<RunPlan> {
  const settings = readSettings(opts.env ?? process.env);
  const target = await resolveTarget(opts.target, settings);
  try {
    const mutating = steps.filter((s) => s.mutates && !s.skipsOn?.(settings, target));
    if (target.kind !== 'sandbox' && !opts.yes && !opts.dryRun && mutating.length > 0) {
      const list = mutating.map((s) => `${s.id} (${s.title})`).join(', ');
      throw new UsageError(
        `steps ${list} change state on ${target.label}; re-run with --yes to apply them, or with --dry-run to see the plan`,
      );
    }
    const ctx = createContext({
      runbook: opts.runbook.name,
      page: opts.runbook.page,
      target,
      settings,
      secretKeys: new Set(opts.runbook.steps.flatMap((s) => s.secrets ?? [])),
      plan: steps,
      dryRun: Boolean(opts.dryRun),
      yes: Boolean(opts.yes),
      print,
    });
    const timeoutMs = (opts.timeoutSeconds ?? DEFAULT_STEP_TIMEOUT_S) * 1000;
    return { opts, steps, target, ctx, timeoutMs };
  } catch (error) {
    await target.release();
    throw error;
  }
}

/**
 * Runs the planned steps in order, each under its own abort signal (timeout, or a stop from outside), and
 * stops after the first failure. While a step runs, anything written to the process's output becomes lines of
 * that step, redacted. `fancy` selects listr2's live display.
 */
export async function execute(
  planned: RunPlan,
  stops: Stops,
  print: (line: string) => void,
  fancy = false,
): Promise<Execution> {
  const { ctx, timeoutMs } = planned;
  const allSteps = planned.opts.runbook.steps;
  const finished = new Map<string, StepReport>();
  let failure: Failure | undefined;

  const runOne = async (step: StepDefinition, log: (line: string) => void): Promise<StepReport> => {
    const began = Date.now();
    for (const key of step.needs) {
      if (!ctx.values.has(key)) {
        const producer = allSteps.find((s) => s.produces.includes(key));
        const prior = finished.get(producer?.id ?? '');
        return report(step, 'skipped', 0, `needs ${key} from step ${producer?.id}, which was skipped`, prior);
      }
    }
    const controller = new AbortController();
    const stopped = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    // A stop that came between two steps aborts this one before it starts.
    stops.attach(controller);
    const timer = setTimeout(() => controller.abort(new TimedOut()), timeoutMs);
    // A step that outlives its timeout must not print after its own status line.
    let open = true;
    const say = (line: string) => open && log(redact(line));
    const output = capture((_stream, line) => say(line));
    try {
      const stepCtx: RunContext = {
        ...ctx,
        signal: controller.signal,
        log: say,
        broker: (method, path, o = {}) =>
          ctx.broker(method, path, { ...o, signal: o.signal ?? controller.signal }),
      };
      const outcome = await (controller.signal.aborted
        ? stopped
        : Promise.race([step.run(stepCtx), stopped]));
      return report(step, outcome?.status ?? 'passed', Date.now() - began, outcome?.reason);
    } catch (error) {
      failure = explain(step, controller.signal.reason ?? error, timeoutMs);
      return { ...report(step, 'failed', Date.now() - began), error: redact(failure.message) };
    } finally {
      output.release();
      open = false;
      clearTimeout(timer);
      stops.attach(undefined);
    }
  };
  const exec = async (step: StepDefinition, log: (line: string) => void) => {
    const result = await runOne(step, log);
    finished.set(step.id, result);
    return result;
  };
  const reports = await runSteps(planned.steps, exec, print, fancy);
  return { reports, failure };
}

/** Every planned step that neither ran nor was skipped, reported as not run (and why). */
function withNotRun(planned: RunPlan, execution: Execution): StepReport[] {
  const reports = [...execution.reports];
  for (const step of planned.steps) {
    if (reports.some((r) => r.id === step.id)) continue;
    const why = execution.failure ? `not run: step ${execution.failure.step.id} failed` : 'not run';
    reports.push(report(step, 'skipped', 0, why));
  }
  return planned.opts.runbook.steps.flatMap((s) => reports.filter((r) => r.id === s.id));
}

/**
 * Ends a run: explains the failure (cause, section to read, command that resumes there) or prints the summary,
 * writes the report, closes the AWS clients and stops a sandbox the run started. Returns the exit code.
 */
export async function finish(
  planned: RunPlan,
  execution: Execution,
  io: RunIo,
  startedAt: Date,
): Promise<number> {
  const { opts, ctx, target } = planned;
  const reports = withNotRun(planned, execution);
  const failure = execution.failure;
  try {
    if (failure) {
      io.err('');
      io.err(`✖ Step ${failure.step.id} (${failure.step.title}) failed: ${failure.message}`);
      io.err(
        `  Likely cause: ${failure.hint ?? 'the check this step makes did not hold; its section explains it'}`,
      );
      io.err(`  Read: ${ctx.docs(failure.anchor)}`);
      io.err(`  Resume: ${resumeCommand(opts, target, failure.step.id, planned.steps.at(-1)?.id)}`);
    } else if (!opts.dryRun) {
      const count = (s: string) => reports.filter((r) => r.status === s).length;
      io.out(
        `${opts.runbook.name}: ${reports.length} steps — ${count('passed')} passed, ${count('changed')} changed, ` +
          `${count('skipped')} skipped in ${seconds(Date.now() - startedAt.getTime())}`,
      );
    }
    if (opts.report) {
      await writeReport(opts.report, {
        runbook: opts.runbook.name,
        target: target.label,
        startedAt: startedAt.toISOString(),
        durationMs: Date.now() - startedAt.getTime(),
        steps: reports,
      });
    }
  } finally {
    await ctx.finish();
    destroyAwsClients(ctx.aws);
    await target.release();
  }
  return failure?.exitCode ?? 0;
}

export async function run(opts: RunOptions): Promise<number> {
  const startedAt = new Date();
  const writers = directWriters();
  // Every line passes redaction, whoever receives it.
  const io: RunIo = {
    out: (line) => (opts.out ?? ((l: string) => writers.stdout(`${l}\n`)))(redact(line)),
    err: (line) => (opts.err ?? ((l: string) => writers.stderr(`${l}\n`)))(redact(line)),
  };
  // Secrets handed in through the environment are hidden from the first line on, not only once a step reads them.
  for (const name of SECRET_ENV) registerSecret((opts.env ?? process.env)[name]);
  const steps = selectSteps(opts.runbook, opts);

  // Output nobody asked the runner to print (a library's warning, a sandbox started here) is still masked.
  const owned = capture((stream, line, ended) => {
    if (!ended && !opts.out) writers[stream](line);
    else io[stream === 'stdout' ? 'out' : 'err'](line);
  });
  const stops = new Stops();
  // A second stop does not wait for the clean-up: moto goes with this process (see scripts/sandbox/moto.ts).
  const unwatch = watchStops((cause) => {
    if (stops.reason && cause !== 'EPIPE') process.exit(130);
    stops.stop(cause);
  });
  let planned: RunPlan | undefined;
  let execution: Execution = { reports: [] };
  let setupCode: number | undefined;
  try {
    try {
      planned = await plan(opts, steps, io.out);
      const { target } = planned;
      const where = target.kind === 'sandbox' ? `the sandbox (${target.brokerUrl})` : target.brokerUrl;
      io.out(`${opts.runbook.title} on ${where}${opts.dryRun ? ' — dry run, nothing is changed' : ''}`);
      if (opts.dryRun) {
        await printPlan(planned.ctx, steps, io.out);
        execution = { reports: steps.map((s) => report(s, 'skipped', 0, 'dry run: nothing was executed')) };
      } else {
        execution = await execute(planned, stops, io.out, !opts.out && useListr());
      }
    } catch (error) {
      setupCode = explainSetupError(error, io);
    } finally {
      unwatch();
    }
    // Whatever happened above, a planned run is finished: explained or summed up, reported, cleaned up.
    const code = planned ? await finish(planned, execution, io, startedAt) : 0;
    return setupCode ?? code;
  } finally {
    owned.release();
  }
}

/** A problem before any step ran: usage (exit 2), a preflight StepError (its code), anything else (1). */
function explainSetupError(error: unknown, io: RunIo): number {
  if (error instanceof UsageError) {
    io.err(`runbook: ${error.message}`);
    return 2;
  }
  if (error instanceof StepError) {
    io.err(`runbook: ${error.message}${error.hint ? `\n  Likely cause: ${error.hint}` : ''}`);
    return error.exitCode;
  }
  io.err(`runbook: unexpected error: ${(error as Error)?.message ?? String(error)}`);
  return 1;
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

async function printPlan(ctx: RunContext, steps: readonly StepDefinition[], out: (line: string) => void) {
  for (const step of steps) {
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
