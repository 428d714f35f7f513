// GitHub Actions reporter: one workflow annotation per finding.
import type { CheckResult } from '../check.ts';

/** Workflow commands need %, CR and LF escaped in data, plus , and : in properties. */
const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const prop = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function toGithub(result: CheckResult): string {
  const level = { error: 'error', warning: 'warning', info: 'notice' } as const;
  const lines = result.findings.map(
    (f) =>
      `::${level[f.severity]} file=${prop(f.file)},line=${f.line},col=${f.column},title=${prop(`drift ${f.rule}`)}::${data(f.message)}`,
  );
  for (const n of result.notices) {
    const line = n.line === undefined ? '' : `,line=${n.line}`;
    lines.push(`::notice file=${prop(n.file)}${line},title=drift::${data(n.message)}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
