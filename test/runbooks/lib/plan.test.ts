// selectSteps: the selection plus every producer of what it needs, in runbook order.
import { describe, expect, it } from 'vitest';
import { findStep, selectSteps, UsageError } from '../../../runbooks/lib/plan.ts';
import { defineRunbook, defineStep, type StepDefinition } from '../../../runbooks/lib/step.ts';
import { runbook as stage7 } from '../../../runbooks/stage7/index.ts';

const step = (id: string, needs: string[], produces: string[]): StepDefinition =>
  defineStep({
    id,
    slug: `s${id}`,
    title: id,
    doc: id,
    needs,
    produces,
    mutates: false,
    run: async () => undefined,
  });

const tiny = defineRunbook({
  name: 'tiny',
  title: 'Tiny',
  page: 'tiny',
  steps: [step('01', [], ['a']), step('02', [], ['b']), step('03', ['a'], ['c']), step('04', ['c', 'b'], [])],
});
const ids = (steps: StepDefinition[]) => steps.map((s) => s.id);

describe('selectSteps', () => {
  it.each([
    [{}, ['01', '02', '03', '04']],
    [{ step: '04' }, ['01', '02', '03', '04']],
    [{ step: '03' }, ['01', '03']],
    [{ step: '2' }, ['02']],
    [{ from: '03' }, ['01', '02', '03', '04']],
    [{ from: '03', to: '03' }, ['01', '03']],
    [{ to: '02' }, ['01', '02']],
  ])('%o → %o', (selection, expected) => {
    expect(ids(selectSteps(tiny, selection))).toEqual(expected);
  });

  it('refuses bad selections as usage errors', () => {
    expect(() => selectSteps(tiny, { step: '09' })).toThrow(UsageError);
    expect(() => selectSteps(tiny, { from: '04', to: '01' })).toThrow(/comes after/);
    expect(() => selectSteps(tiny, { step: '01', from: '02' })).toThrow(/cannot be combined/);
  });

  it('finds steps by number, slug or file stem', () => {
    expect(findStep(stage7, '7').id).toBe('07');
    expect(findStep(stage7, 'verify-oidc-jwt').id).toBe('07');
    expect(findStep(stage7, '07-verify-oidc-jwt.ts').id).toBe('07');
  });

  it('stage7: every need has a producer earlier in the runbook, and --step 08 pulls in its chain', () => {
    for (const [i, s] of stage7.steps.entries()) {
      for (const need of s.needs) {
        const producer = stage7.steps.findIndex((p) => p.produces.includes(need));
        expect(producer, `${s.id} needs ${need}`).toBeGreaterThanOrEqual(0);
        expect(producer, `${s.id} needs ${need}`).toBeLessThan(i);
      }
    }
    expect(ids(selectSteps(stage7, { step: '08' }))).toEqual(['01', '03', '04', '05', '06', '07', '08']);
  });
});
