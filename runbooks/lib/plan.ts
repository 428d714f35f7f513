// Which steps a run executes: the selection (--step, --from, --to) plus every producer of what it needs.
import type { RunbookDefinition, StepDefinition } from './step.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Finds a step by `07`, `7`, `verify-oidc-jwt` or `07-verify-oidc-jwt`. */
export function findStep(runbook: RunbookDefinition, ref: string): StepDefinition {
  const wanted = ref.trim().toLowerCase();
  const found = runbook.steps.find(
    (s) =>
      s.id === wanted ||
      s.id === wanted.padStart(2, '0') ||
      s.slug === wanted ||
      `${s.id}-${s.slug}` === wanted.replace(/\.ts$/, ''),
  );
  if (!found) {
    const known = runbook.steps.map((s) => `${s.id} (${s.slug})`).join(', ');
    throw new UsageError(`unknown step "${ref}" in runbook ${runbook.name}; steps: ${known}`);
  }
  return found;
}

export function producerOf(runbook: RunbookDefinition, key: string): StepDefinition | undefined {
  return runbook.steps.find((s) => s.produces.includes(key));
}

export interface Selection {
  step?: string;
  from?: string;
  to?: string;
}

export function selectSteps(runbook: RunbookDefinition, sel: Selection): StepDefinition[] {
  if (sel.step && (sel.from || sel.to)) throw new UsageError('--step cannot be combined with --from or --to');
  const order = (s: StepDefinition) => runbook.steps.indexOf(s);
  let chosen: StepDefinition[];
  if (sel.step) {
    chosen = [findStep(runbook, sel.step)];
  } else {
    const from = sel.from ? order(findStep(runbook, sel.from)) : 0;
    const to = sel.to ? order(findStep(runbook, sel.to)) : runbook.steps.length - 1;
    if (from > to) throw new UsageError(`--from ${sel.from} comes after --to ${sel.to}`);
    chosen = runbook.steps.slice(from, to + 1);
  }

  const wanted = new Set(chosen);
  const queue = [...chosen];
  while (queue.length > 0) {
    const step = queue.shift() as StepDefinition;
    for (const key of step.needs) {
      const producer = producerOf(runbook, key);
      if (!producer)
        throw new UsageError(`step ${step.id} needs "${key}" but no step of ${runbook.name} produces it`);
      if (!wanted.has(producer)) {
        wanted.add(producer);
        queue.push(producer);
      }
    }
  }
  return runbook.steps.filter((s) => wanted.has(s));
}
