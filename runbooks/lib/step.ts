// The step API: what a runbook step declares (needs, produces, secrets, mutates) and how it reports.
import type { RunContext } from './context.ts';
import type { Settings } from './env.ts';
import type { Backup } from './run-state.ts';
import type { Target } from './target.ts';

export type StepStatus = 'passed' | 'changed' | 'skipped' | 'failed';

/** What a step's run() returns; a plain `undefined` means passed. */
export interface StepOutcome {
  status: Exclude<StepStatus, 'failed'>;
  reason?: string;
}

export interface StepDefinition {
  /** Two-digit number matching the file name, e.g. `07`. */
  id: string;
  /** File stem without the number, e.g. `verify-oidc-jwt`; `--step` accepts it too. */
  slug: string;
  /** The page heading this step implements, without "Step N — ". */
  title: string;
  /** Heading anchor on the runbook page. */
  doc: string;
  /** Where an operator runs the step by hand: the broker host (bring-up) or, by default, the workstation. */
  where?: 'operator workstation' | 'broker host';
  /** Keys of values other steps produce and this step reads. */
  needs: readonly string[];
  /** Keys of values this step puts in the store. */
  produces: readonly string[];
  /** Which of the produced keys are secrets (never printed, never written). */
  secrets?: readonly string[];
  /** Whether the step changes broker or cloud state (asks for `--yes` off the sandbox). */
  mutates: boolean;
  /** Why the step will skip itself on this target (so `--yes` is not asked for it); undefined when it runs. */
  skipsOn?: (settings: Settings, target: Target) => string | undefined;
  /** Whether the step calls AWS (preflight then checks AWS credentials). */
  usesAws?: boolean;
  /** One line per change a mutating step may make; shown by `--dry-run`. */
  changes?: readonly string[];
  /** Read-only look at what a mutating step would change (used by `--dry-run`). */
  plan?: (ctx: RunContext) => Promise<string[]>;
  run: (ctx: RunContext) => Promise<StepOutcome | undefined>;
  /** Puts back what a backup this step saved holds: `npm run runbook -- <runbook> --restore <file>`. */
  restore?: (ctx: RunContext, backup: Backup) => Promise<StepOutcome | undefined>;
}

export function defineStep(step: StepDefinition): StepDefinition {
  return step;
}

export const passed = (reason?: string): StepOutcome => ({ status: 'passed', reason });
export const changed = (reason?: string): StepOutcome => ({ status: 'changed', reason });
export const skipped = (reason: string): StepOutcome => ({ status: 'skipped', reason });

/**
 * A failure the operator can act on: what failed, the likely cause and the page section to read.
 * `exitCode` 2 marks preflight problems (missing variables, missing tools).
 */
export class StepError extends Error {
  /** The likely cause, in words an operator can act on. */
  readonly hint?: string;
  readonly anchor?: string;
  readonly exitCode: 1 | 2;

  constructor(message: string, opts: { hint?: string; anchor?: string; exitCode?: 1 | 2 } = {}) {
    super(message);
    this.name = 'StepError';
    this.hint = opts.hint;
    this.anchor = opts.anchor;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Shorthand for throwing a StepError from an expression position. */
export function fail(
  message: string,
  opts: { hint?: string; anchor?: string; exitCode?: 1 | 2 } = {},
): never {
  throw new StepError(message, opts);
}

export interface RunbookDefinition {
  name: string;
  title: string;
  /** The page (path without .md under docs/) the step anchors live on. */
  page: string;
  steps: readonly StepDefinition[];
}

export function defineRunbook(runbook: RunbookDefinition): RunbookDefinition {
  return runbook;
}
