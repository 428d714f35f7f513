// Progress display: listr2 on an interactive terminal, one plain line per step without a TTY or under CI.
import { Listr } from 'listr2';
import { redact } from './redact.ts';
import type { StepReport } from './report.ts';
import type { StepDefinition } from './step.ts';

export type Executor = (step: StepDefinition, log: (line: string) => void) => Promise<StepReport>;

const SYMBOL = { passed: '✔', changed: '●', skipped: '○', failed: '✖' } as const;

export function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export function stepLine(report: StepReport): string {
  const reason = report.reason ? ` — ${report.reason}` : '';
  return `${SYMBOL[report.status]} ${report.id} ${report.title}: ${report.status} in ${seconds(report.durationMs)}${reason}`;
}

export function useListr(stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  return Boolean(stream.isTTY) && !env.CI;
}

/** Runs the steps in order through `exec`, stopping after the first failure. */
export async function runSteps(
  steps: readonly StepDefinition[],
  exec: Executor,
  print: (line: string) => void,
  fancy: boolean,
): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  if (!fancy) {
    for (const step of steps) {
      const report = await exec(step, (line) => print(`    ${step.id} │ ${line}`));
      reports.push(report);
      print(stepLine(report));
      if (report.status === 'failed') break;
    }
    return reports;
  }

  const list = new Listr(
    steps.map((step) => ({
      title: `${step.id} ${step.title}`,
      rendererOptions: { persistentOutput: true, outputBar: Number.POSITIVE_INFINITY },
      task: async (_: unknown, task: { title: string; output: string; skip(message: string): void }) => {
        // Each assignment to task.output adds one line to the task's output bar; it is not a replacement.
        const report = await exec(step, (line) => {
          task.output = redact(line);
        });
        reports.push(report);
        const line = redact(stepLine(report).slice(2));
        if (report.status === 'failed') throw new Error(line);
        if (report.status === 'skipped') task.skip(line);
        else task.title = line;
      },
    })),
    {
      concurrent: false,
      exitOnError: true,
      // listr2's own handler would exit 127 on Ctrl-C; the runner stops the step and exits 130 itself.
      registerSignalListeners: false,
      rendererOptions: { collapseErrors: false, collapseSkips: false, showErrorMessage: true },
    },
  );
  try {
    await list.run();
  } catch {
    // The failure is in `reports`; the runner prints its explanation.
  }
  return reports;
}
