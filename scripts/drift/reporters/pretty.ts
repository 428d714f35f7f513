// Human reporter: findings grouped by file, then a one-line summary.
import type { CheckResult } from '../check.ts';
import { noticeAt } from '../files.ts';

export function toPretty(result: CheckResult, color = false): string {
  const paint = (code: number, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const label = { error: paint(31, 'error'), warning: paint(33, 'warning'), info: paint(36, 'info') };
  const out: string[] = [];
  let file = '';
  for (const f of result.findings) {
    if (f.file !== file) {
      if (file) out.push('');
      file = f.file;
      out.push(paint(4, f.file));
    }
    const hint = f.suggestion ? paint(2, `  → ${f.suggestion}`) : '';
    out.push(`  ${f.line}:${f.column}  ${label[f.severity]}  ${f.message}  ${paint(2, f.rule)}${hint}`);
  }
  if (result.notices.length > 0) {
    if (out.length > 0) out.push('');
    for (const n of result.notices) out.push(`${paint(2, 'notice')} ${noticeAt(n)}: ${n.message}`);
  }
  const s = result.summary;
  if (out.length > 0) out.push('');
  out.push(
    `${s.files} files checked in ${s.durationMs} ms: ${s.errors} errors, ${s.warnings} warnings${s.infos ? `, ${s.infos} unverified` : ''}`,
  );
  return `${out.join('\n')}\n`;
}
