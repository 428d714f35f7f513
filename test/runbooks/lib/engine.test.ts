// The runner's three parts, each alone: plan (target and --yes guard), execute (steps, timeouts, stops, what
// steps print) and finish (explanation, summary, report, clean-up) — no sandbox, no child process.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createContext } from '../../../runbooks/lib/context.ts';
import { execute, finish, plan, type RunPlan, Stops } from '../../../runbooks/lib/engine.ts';
import { readSettings } from '../../../runbooks/lib/env.ts';
import {
  defineRunbook,
  defineStep,
  type StepDefinition,
  StepError,
  skipped,
} from '../../../runbooks/lib/step.ts';
import type { Target } from '../../../runbooks/lib/target.ts';
import { removeTempDirs, tempDir } from '../helpers.ts';

afterAll(removeTempDirs);

const step = (id: string, over: Partial<StepDefinition> = {}): StepDefinition =>
  defineStep({
    id,
    slug: `s${id}`,
    title: `Step ${id}`,
    doc: `step-${id}`,
    needs: [],
    produces: [],
    mutates: false,
    run: async () => undefined,
    ...over,
  });

function fakeTarget(): Target & { releases: number } {
  const target = {
    kind: 'broker' as const,
    label: 'http://broker.test',
    brokerUrl: 'http://broker.test',
    awsAvailable: false,
    region: 'us-east-1',
    started: false,
    releases: 0,
    release: async () => {
      target.releases += 1;
    },
  };
  return target;
}

/** A plan made by hand, as `plan` would return it, so execute and finish run without resolving a target. */
function handPlan(
  steps: StepDefinition[],
  over: { timeoutMs?: number; step?: string; report?: string } = {},
) {
  const runbook = defineRunbook({ name: 'demo', title: 'Demo', page: 'demo', steps });
  const target = fakeTarget();
  const settings = readSettings({ AGENTKEYS_DOCS_URL: 'http://docs.test' });
  const ctx = createContext({
    runbook: 'demo',
    page: 'demo',
    target,
    settings,
    secretKeys: new Set(),
    plan: steps,
    dryRun: false,
    yes: false,
    print: () => {},
  });
  const planned: RunPlan = {
    opts: { runbook, step: over.step, report: over.report },
    steps,
    target,
    ctx,
    timeoutMs: over.timeoutMs ?? 5000,
  };
  return { planned, target };
}

describe('plan', () => {
  const runbook = defineRunbook({
    name: 'demo',
    title: 'Demo',
    page: 'demo',
    steps: [step('01'), step('02', { mutates: true })],
  });
  const env = { AGENTKEYS_SANDBOX_DIR: tempDir('engine-plan-') };

  it('refuses state-changing steps on a broker URL without --yes, naming them', async () => {
    await expect(
      plan({ runbook, target: 'http://127.0.0.1:9', env }, runbook.steps, () => {}),
    ).rejects.toThrow(/^steps 02 \(Step 02\) change state on http:\/\/127\.0\.0\.1:9; re-run with --yes/);
  });

  it('with --yes (or --dry-run) returns the steps, the target, a context and the step timeout', async () => {
    for (const extra of [{ yes: true }, { dryRun: true }]) {
      const planned = await plan(
        { runbook, target: 'http://127.0.0.1:9', env, timeoutSeconds: 7, ...extra },
        runbook.steps,
        () => {},
      );
      expect(planned.target).toMatchObject({ kind: 'broker', brokerUrl: 'http://127.0.0.1:9' });
      expect(planned.steps.map((s) => s.id)).toEqual(['01', '02']);
      expect(planned.ctx.plan).toBe(runbook.steps);
      expect(planned.timeoutMs).toBe(7000);
    }
  });

  it('turns a bad target into a preflight error (exit 2) before anything runs', async () => {
    const error = await plan({ runbook, target: 'ftp://x', env }, runbook.steps, () => {}).catch((e) => e);
    expect(error).toBeInstanceOf(StepError);
    expect(error.exitCode).toBe(2);
  });
});

describe('execute', () => {
  it('runs the steps in order, hands values on, and skips a dependant of a skipped step with its reason', async () => {
    const order: string[] = [];
    const { planned } = handPlan([
      step('01', {
        produces: ['a'],
        run: async (ctx) => {
          order.push('01');
          ctx.values.set('a', 1);
          return undefined;
        },
      }),
      step('02', { produces: ['b'], run: async () => skipped('no cloud here') }),
      step('03', { needs: ['a'], run: async (ctx) => void order.push(`03:${ctx.values.get('a')}`) }),
      step('04', { needs: ['b'] }),
    ]);
    const lines: string[] = [];
    const result = await execute(planned, new Stops(), (line) => lines.push(line));
    expect(result.failure).toBeUndefined();
    expect(order).toEqual(['01', '03:1']);
    expect(result.reports.map((r) => [r.id, r.status])).toEqual([
      ['01', 'passed'],
      ['02', 'skipped'],
      ['03', 'passed'],
      ['04', 'skipped'],
    ]);
    expect(result.reports[3]?.reason).toBe('needs b from step 02, which was skipped (no cloud here)');
    expect(lines.filter((l) => /^. \d\d /.test(l))).toHaveLength(4);
  });

  it('shows what a step writes to the process streams as lines of that step', async () => {
    const { planned } = handPlan([
      step('01', {
        run: async (ctx) => {
          ctx.log('through ctx.log');
          process.stdout.write('straight to std');
          process.stdout.write('out\n');
          process.stderr.write('to stderr\nand an unfinished line');
          return undefined;
        },
      }),
    ]);
    const lines: string[] = [];
    await execute(planned, new Stops(), (line) => lines.push(line));
    expect(lines.slice(0, 4)).toEqual([
      '    01 │ through ctx.log',
      '    01 │ straight to stdout',
      '    01 │ to stderr',
      '    01 │ and an unfinished line',
    ]);
  });

  it('fails a step that outlives its timeout (exit 1), prints nothing it says afterwards, runs no later step', async () => {
    let later = false;
    let late: (() => void) | undefined;
    const { planned } = handPlan(
      [
        step('01', {
          run: (ctx) =>
            new Promise(() => {
              late = () => ctx.log('too late');
            }),
        }),
        step('02', {
          run: async () => {
            later = true;
            return undefined;
          },
        }),
      ],
      { timeoutMs: 30 },
    );
    const lines: string[] = [];
    const result = await execute(planned, new Stops(), (line) => lines.push(line));
    late?.();
    expect(result.failure).toMatchObject({ exitCode: 1, message: 'did not finish within 0.03s' });
    expect(result.reports.map((r) => r.status)).toEqual(['failed']);
    expect(later).toBe(false);
    expect(lines.join('\n')).not.toContain('too late');
  });

  it('a stop from outside aborts the running step (exit 130), and one that came first aborts the next step at once', async () => {
    const stops = new Stops();
    const { planned } = handPlan([
      step('01', {
        run: (ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
            stops.stop('SIGTERM');
          }),
      }),
    ]);
    const result = await execute(planned, stops, () => {});
    expect(result.failure).toMatchObject({ exitCode: 130, message: 'stopped by SIGTERM' });

    const early = new Stops();
    early.stop('SIGINT');
    let ran = false;
    const second = handPlan([
      step('01', {
        run: async () => {
          ran = true;
          return undefined;
        },
      }),
    ]);
    const again = await execute(second.planned, early, () => {});
    expect(again.failure).toMatchObject({ exitCode: 130, message: 'interrupted (Ctrl-C)' });
    expect(ran).toBe(false);
  });
});

describe('finish', () => {
  it('explains a failure (cause, section, resume command), reports steps not run, and releases the target', async () => {
    const dir = tempDir('engine-finish-');
    const report = path.join(dir, 'run.json');
    const steps = [step('01'), step('02'), step('03')];
    const { planned, target } = handPlan(steps, { step: '03', report });
    const err: string[] = [];
    const code = await finish(
      planned,
      {
        reports: [{ id: '01', title: 'Step 01', status: 'passed', durationMs: 3, reason: null, error: null }],
        failure: { step: steps[1] as StepDefinition, message: 'it broke', anchor: 'why', exitCode: 2 },
      },
      { out: () => {}, err: (line) => err.push(line) },
      new Date(),
    );
    expect(code).toBe(2);
    expect(err).toEqual([
      '',
      '✖ Step 02 (Step 02) failed: it broke',
      '  Likely cause: the check this step makes did not hold; its section explains it',
      '  Read: http://docs.test/demo#why',
      `  Resume: npm run runbook -- demo --from 02 --to 03 --target http://broker.test --report ${report}`,
    ]);
    const written = JSON.parse(readFileSync(report, 'utf8'));
    expect(
      written.steps.map((s: { id: string; status: string; reason: string | null }) => [s.id, s.reason]),
    ).toEqual([
      ['01', null],
      ['02', 'not run: step 02 failed'],
      ['03', 'not run: step 02 failed'],
    ]);
    expect(target.releases).toBe(1);
  });

  it('sums up a run that passed and returns 0', async () => {
    const { planned, target } = handPlan([step('01'), step('02')]);
    const out: string[] = [];
    const code = await finish(
      planned,
      {
        reports: [
          { id: '01', title: 'Step 01', status: 'changed', durationMs: 3, reason: null, error: null },
          { id: '02', title: 'Step 02', status: 'skipped', durationMs: 0, reason: 'x', error: null },
        ],
      },
      { out: (line) => out.push(line), err: () => {} },
      new Date(),
    );
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^demo: 2 steps — 0 passed, 1 changed, 1 skipped in \d+ms$/);
    expect(target.releases).toBe(1);
  });

  it('still releases the target when the report cannot be written', async () => {
    const report = path.join(tempDir('engine-finish-'), 'missing', 'run.json');
    const { planned, target } = handPlan([step('01')], { report });
    await expect(
      finish(planned, { reports: [] }, { out: () => {}, err: () => {} }, new Date()),
    ).rejects.toThrow(/ENOENT/);
    expect(target.releases).toBe(1);
  });
});
