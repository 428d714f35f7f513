// Run reports: the JSON shape DESIGN.md fixes, or JUnit XML for CI dashboards. Always redacted.
import { writeFile } from 'node:fs/promises';
import { redactDeep } from './redact.ts';
import type { StepStatus } from './step.ts';

export interface StepReport {
  id: string;
  title: string;
  status: StepStatus;
  durationMs: number;
  reason: string | null;
  error: string | null;
}

export interface RunReport {
  runbook: string;
  target: string;
  startedAt: string;
  durationMs: number;
  steps: StepReport[];
}

export function reportFormat(file: string): 'json' | 'xml' | undefined {
  if (file.endsWith('.json')) return 'json';
  if (file.endsWith('.xml')) return 'xml';
  return undefined;
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

export function toJUnit(report: RunReport): string {
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const count = (status: StepStatus) => report.steps.filter((s) => s.status === status).length;
  const cases = report.steps.map((step) => {
    const attrs = `name="${escapeXml(`${step.id} ${step.title}`)}" classname="${escapeXml(report.runbook)}" time="${seconds(step.durationMs)}"`;
    if (step.status === 'failed') {
      const message = escapeXml(step.error ?? 'failed');
      return `    <testcase ${attrs}>\n      <failure message="${message}">${message}</failure>\n    </testcase>`;
    }
    if (step.status === 'skipped') {
      return `    <testcase ${attrs}>\n      <skipped message="${escapeXml(step.reason ?? '')}"/>\n    </testcase>`;
    }
    const note = step.reason
      ? `\n      <system-out>${escapeXml(`${step.status}: ${step.reason}`)}</system-out>`
      : '';
    return `    <testcase ${attrs}>${note}${note ? '\n    ' : ''}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(report.runbook)}" tests="${report.steps.length}" failures="${count('failed')}" skipped="${count('skipped')}" time="${seconds(report.durationMs)}">`,
    `  <testsuite name="${escapeXml(report.runbook)}" timestamp="${report.startedAt}" hostname="${escapeXml(report.target)}" tests="${report.steps.length}" failures="${count('failed')}" errors="0" skipped="${count('skipped')}" time="${seconds(report.durationMs)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export async function writeReport(file: string, report: RunReport): Promise<void> {
  const safe = redactDeep(report);
  const text = reportFormat(file) === 'xml' ? toJUnit(safe) : `${JSON.stringify(safe, null, 2)}\n`;
  await writeFile(file, text);
}
