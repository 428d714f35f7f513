// JSON reporter: exactly one document, the shape DESIGN.md fixes (fields may only be added).
import type { CheckResult } from '../check.ts';

export function toJson(result: CheckResult): string {
  const { summary } = result;
  return `${JSON.stringify(
    {
      version: 1,
      findings: result.findings.map((f) => ({
        rule: f.rule,
        severity: f.severity,
        file: f.file,
        line: f.line,
        column: f.column,
        match: f.match,
        message: f.message,
        suggestion: f.suggestion,
        messageId: f.messageId,
      })),
      summary: {
        files: summary.files,
        findings: summary.findings,
        errors: summary.errors,
        warnings: summary.warnings,
        durationMs: summary.durationMs,
        infos: summary.infos,
      },
      notices: result.notices,
    },
    null,
    2,
  )}\n`;
}
