// directive: an ignore directive without a reason, unclosed, expired, or suppressing nothing.
import { lineStartsOf } from '../doc.ts';
import type { Rule } from '../rule.ts';

export const rule: Rule = {
  meta: {
    id: 'directive',
    description: 'An ignore directive has no reason (error) or suppresses nothing (warning).',
    severity: 'error',
    messages: {
      missingReason: '`drift-ignore-{{kind}}` needs a reason: say why the mention is correct here',
      unclosedStart: '`drift-ignore-start` has no matching `drift-ignore-end`; it suppresses nothing',
      unmatchedEnd: '`drift-ignore-end` has no matching `drift-ignore-start`',
      badUntil: '`until={{until}}` is not a date; write until=YYYY-MM-DD',
      expired: '`drift-ignore-{{kind}}` expired on {{until}}; fix the mention or renew the date',
      unused: '`drift-ignore-{{kind}}` suppresses nothing; remove it',
    },
  },
  check(ctx) {
    for (const doc of ctx.docs) {
      if (doc.directives.length === 0) continue;
      const starts = lineStartsOf(doc.text);
      for (const d of doc.directives) {
        const offset = (starts[d.line - 1] ?? 0) + d.column - 1;
        const at = (messageId: string, severity?: 'warning') =>
          ctx.report({
            doc,
            offset,
            match: `drift-ignore-${d.kind}`,
            messageId,
            data: { kind: d.kind, until: d.until ?? '' },
            severity,
          });
        if (d.kind === 'end') {
          if (!d.closed) at('unmatchedEnd');
          continue;
        }
        if (d.reason === '') at('missingReason');
        if (d.badUntil) at('badUntil');
        if (d.kind === 'start' && !d.closed) at('unclosedStart');
        else if (d.expired) at('expired', 'warning');
        // Archived pages are kept as they were: a directive made redundant by archiving is not worth an edit.
        else if (!d.used && !doc.historical) at('unused', 'warning');
      }
    }
  },
};
